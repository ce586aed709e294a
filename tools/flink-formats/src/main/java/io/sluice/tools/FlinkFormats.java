package io.sluice.tools;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.common.TimestampFormat;
import org.apache.flink.formats.json.canal.CanalJsonDeserializationSchema;
import org.apache.flink.formats.json.debezium.DebeziumJsonDeserializationSchema;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.utils.LogicalTypeParser;
import org.apache.flink.table.types.utils.TypeConversions;
import org.apache.flink.util.Collector;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;

/**
 * Deserializes messages with Flink's own debezium-json or canal-json format and prints each
 * resulting RowData as one JSON line: {"msg":<line index>,"kind":"+I|-U|+U|-D","fields":[...]}.
 *
 * <p>Usage: FlinkFormats <debezium-json|canal-json> <schema file> <messages file>. The schema file
 * has one "name<TAB>Flink SQL type" line per column (e.g. "c_dec\tDECIMAL(14, 4)"); the messages
 * file has one message value per line, an empty line standing for a null value (tombstone).
 *
 * <p>Field rendering: strings and DECIMAL (plain) as JSON strings, integers as numbers, FLOAT and
 * DOUBLE as their Java text in a string, BOOLEAN as true/false, BINARY/BYTES as upper-case hex,
 * DATE as yyyy-MM-dd, TIMESTAMP as "yyyy-MM-dd HH:mm:ss.SSSSSS", TIMESTAMP_LTZ as
 * "yyyy-MM-ddTHH:mm:ss.SSSSSSZ" (UTC), ROW as an array. A message Flink rejects ends the run with
 * exit code 1 and the exception on stderr.
 */
public final class FlinkFormats {
  private static final DateTimeFormatter LOCAL =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");
  private static final DateTimeFormatter UTC =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: FlinkFormats <debezium-json|canal-json> <schema> <messages>");
      System.exit(2);
    }
    List<String> names = new ArrayList<>();
    List<LogicalType> types = new ArrayList<>();
    ClassLoader loader = FlinkFormats.class.getClassLoader();
    for (String line : Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8)) {
      if (line.isEmpty()) continue;
      int tab = line.indexOf('\t');
      names.add(line.substring(0, tab));
      types.add(LogicalTypeParser.parse(line.substring(tab + 1), loader));
    }
    RowType rowType =
        RowType.of(types.toArray(new LogicalType[0]), names.toArray(new String[0]));
    DataType dataType = TypeConversions.fromLogicalToDataType(rowType);
    TypeInformation<RowData> info = InternalTypeInfo.of(rowType);

    DeserializationSchema<RowData> schema;
    switch (args[0]) {
      case "debezium-json":
        schema =
            new DebeziumJsonDeserializationSchema(
                dataType,
                Collections.emptyList(),
                info,
                /* schemaInclude= */ true,
                /* ignoreParseErrors= */ false,
                TimestampFormat.ISO_8601);
        break;
      case "canal-json":
        schema =
            CanalJsonDeserializationSchema.builder(dataType, Collections.emptyList(), info)
                .setIgnoreParseErrors(false)
                .setTimestampFormat(TimestampFormat.SQL)
                .build();
        break;
      default:
        System.err.println("unknown format " + args[0] + "; use debezium-json or canal-json");
        System.exit(2);
        return;
    }
    schema.open(
        new DeserializationSchema.InitializationContext() {
          @Override
          public MetricGroup getMetricGroup() {
            return new UnregisteredMetricsGroup();
          }

          @Override
          public UserCodeClassLoader getUserCodeClassLoader() {
            return SimpleUserCodeClassLoader.create(loader);
          }
        });

    List<RowData> rows = new ArrayList<>();
    Collector<RowData> collector =
        new Collector<>() {
          @Override
          public void collect(RowData record) {
            rows.add(record);
          }

          @Override
          public void close() {}
        };
    StringBuilder out = new StringBuilder();
    int index = 0;
    for (String line : Files.readAllLines(Path.of(args[2]), StandardCharsets.UTF_8)) {
      rows.clear();
      schema.deserialize(line.getBytes(StandardCharsets.UTF_8), collector);
      for (RowData row : rows) {
        out.append("{\"msg\":").append(index);
        out.append(",\"kind\":\"").append(row.getRowKind().shortString()).append("\",\"fields\":");
        appendRow(row, rowType, out);
        out.append("}\n");
      }
      ++index;
    }
    System.out.print(out);
    System.out.flush();
  }

  private static void appendRow(RowData row, RowType type, StringBuilder out) {
    out.append('[');
    for (int i = 0; i < type.getFieldCount(); ++i) {
      if (i > 0) out.append(',');
      LogicalType t = type.getTypeAt(i);
      appendValue(RowData.createFieldGetter(t, i).getFieldOrNull(row), t, out);
    }
    out.append(']');
  }

  private static void appendValue(Object v, LogicalType t, StringBuilder out) {
    if (v == null) {
      out.append("null");
      return;
    }
    switch (t.getTypeRoot()) {
      case CHAR:
      case VARCHAR:
        appendString(((StringData) v).toString(), out);
        break;
      case BOOLEAN:
        out.append(((Boolean) v) ? "true" : "false");
        break;
      case BINARY:
      case VARBINARY:
        {
          StringBuilder hex = new StringBuilder();
          for (byte b : (byte[]) v) hex.append(String.format("%02X", b & 0xFF));
          appendString(hex.toString(), out);
          break;
        }
      case DECIMAL:
        appendString(((DecimalData) v).toBigDecimal().toPlainString(), out);
        break;
      case TINYINT:
      case SMALLINT:
      case INTEGER:
      case BIGINT:
        out.append(v.toString());
        break;
      case FLOAT:
      case DOUBLE:
        appendString(v.toString(), out);
        break;
      case DATE:
        appendString(LocalDate.ofEpochDay((Integer) v).toString(), out);
        break;
      case TIMESTAMP_WITHOUT_TIME_ZONE:
        appendString(LOCAL.format(((TimestampData) v).toLocalDateTime()), out);
        break;
      case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
        appendString(UTC.format(((TimestampData) v).toInstant()), out);
        break;
      case ROW:
        appendRow((RowData) v, (RowType) t, out);
        break;
      default:
        appendString(v.toString(), out);
    }
  }

  private static void appendString(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); ++i) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        default:
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
      }
    }
    out.append('"');
  }
}
