// Time-series charts of the changefeed page, drawn by uPlot (a small canvas chart library).
// Each chart shows the last hour (or, for a younger history, from its first sample, at least
// 10 minutes): the x axis is time (UTC), the y axis the value in its unit;
// the axis titles and the current value are HTML around the canvas (readable by people and
// by the browser test), and events (errors, restarts, pauses) are marked on the timeline by
// HTML markers over the plot, each with its time and detail as a tooltip.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from './ui';

export interface ChartEvent {
  at_ms: number;
  kind: string; // error, restart, failed, paused, resumed
  detail: string;
}

export interface ChartSpec {
  testid: string;
  title: string;
  yLabel: string; // axis title with its unit, e.g. "rows/s"
  color: string;
  // Formats a value of the series for the axis ticks (and the current value, unless formatNow).
  format: (v: number) => string;
  formatNow?: (v: number) => string;
  // The value the y axis should reach at least (so a flat zero line sits at the bottom).
  minMax?: number;
}

const HOUR_S = 3600;
const MIN_WINDOW_S = 600;

export const EVENT_LABELS: Record<string, string> = {
  error: 'error',
  failed: 'failed',
  restart: 'restart',
  paused: 'paused',
  resumed: 'resumed',
};

function utc(ts: number): Date {
  return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC');
}

export class TimeChart {
  readonly el: HTMLElement;
  private plot: uPlot | null = null;
  private readonly plotHost: HTMLElement;
  private readonly nowValue: HTMLElement;
  private readonly empty: HTMLElement;
  private events: ChartEvent[] = [];
  private nowS = Date.now() / 1000; // the right end of the time axis
  private resize = () => this.fit();

  constructor(private spec: ChartSpec) {
    this.nowValue = h('span', { class: 'chart-now', 'data-testid': `${spec.testid}-now` }, '—');
    this.plotHost = h('div', { class: 'chart-plot' });
    this.empty = h('div', { class: 'chart-empty muted' }, 'Collecting samples…');
    this.el = h(
      'figure',
      { class: 'chart', 'data-testid': spec.testid },
      h('figcaption', {}, h('span', { class: 'chart-title' }, spec.title), this.nowValue),
      h('div', { class: 'chart-y-label', 'data-testid': `${spec.testid}-y-label` }, spec.yLabel),
      this.plotHost,
      this.empty,
      h('div', { class: 'chart-x-label', 'data-testid': `${spec.testid}-x-label` }, 'time (UTC), last hour'),
    );
    window.addEventListener('resize', this.resize);
  }

  destroy(): void {
    window.removeEventListener('resize', this.resize);
    this.plot?.destroy();
    this.plot = null;
  }

  // `times` in Unix ms; `current` is the live value shown next to the title.
  update(times: number[], values: number[], current: number, events: ChartEvent[], nowMs: number): void {
    this.nowValue.textContent = `now ${(this.spec.formatNow ?? this.spec.format)(current)}`;
    this.events = events;
    this.nowS = nowMs / 1000;
    const xs = times.map((t) => t / 1000);
    const data: uPlot.AlignedData = [xs, values];
    this.empty.hidden = xs.length >= 2;
    if (!this.plot) {
      this.plot = new uPlot(this.options(), data, this.plotHost);
      this.fit();
    } else {
      this.plot.setData(data); // re-ranges both scales: x to the hour before now, y to the data
    }
  }

  private fit(): void {
    if (!this.plot) return;
    const width = Math.max(320, this.plotHost.clientWidth || this.el.clientWidth - 16);
    this.plot.setSize({ width, height: 200 });
  }

  private options(): uPlot.Options {
    const spec = this.spec;
    const grid = { stroke: '#eef0f3', width: 1 };
    const ticks = { stroke: '#d0d5dc', width: 1, size: 4 };
    const font = '12px system-ui, sans-serif';
    return {
      width: 640,
      height: 200,
      tzDate: utc,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: {
        // The last hour; while the history is younger than that, from its first sample (at
        // least 10 minutes), so a new changefeed's samples are not squeezed into the right edge.
        x: {
          time: true,
          range: (u) => {
            const first = u.data[0].length ? (u.data[0][0] as number) : this.nowS;
            const min = Math.max(this.nowS - HOUR_S, Math.min(first, this.nowS - MIN_WINDOW_S));
            return [min, this.nowS] as uPlot.Range.MinMax;
          },
        },
        y: {
          range: (_u, _min, max) => [0, Math.max(spec.minMax ?? 1, max * 1.15)] as uPlot.Range.MinMax,
        },
      },
      axes: [
        {
          stroke: '#57606a',
          grid,
          ticks,
          font,
          space: 60,
          // 24-hour UTC clock times (the axis title says UTC).
          values: (_u, splits) => splits.map((t) => new Date(t * 1000).toISOString().slice(11, 16)),
        },
        {
          stroke: '#57606a',
          grid,
          ticks,
          font,
          size: 64,
          values: (_u, vals) => vals.map((v) => spec.format(v)),
        },
      ],
      series: [
        {},
        {
          label: spec.title,
          stroke: spec.color,
          width: 2,
          fill: spec.color + '22',
          // Dots while there are few samples (a new changefeed), a plain line after.
          points: { show: (u: uPlot) => u.data[0].length < 60, size: 5, fill: spec.color },
          value: (_u, v) => (v == null ? '—' : spec.format(v)),
        },
      ],
      hooks: {
        draw: [(u) => this.drawMarkers(u)],
      },
    };
  }

  // Markers are HTML elements in uPlot's `over` layer, placed at each event's time.
  private drawMarkers(u: uPlot): void {
    for (const old of u.over.querySelectorAll('.chart-marker')) old.remove();
    const [min, max] = [u.scales.x.min ?? 0, u.scales.x.max ?? 0];
    for (const e of this.events) {
      const t = e.at_ms / 1000;
      if (t < min || t > max) continue;
      // Kept inside the plot: an event of the last seconds sits at its right edge.
      const left = Math.min(u.valToPos(t, 'x'), u.over.clientWidth - 3);
      const when = new Date(e.at_ms).toISOString().slice(11, 19);
      u.over.append(
        h('div', {
          class: 'chart-marker',
          style: `left:${left}px`,
          title: `${when} UTC — ${EVENT_LABELS[e.kind] ?? e.kind}${e.detail ? ': ' + e.detail : ''}`,
          'data-kind': e.kind,
        }),
      );
    }
  }
}
