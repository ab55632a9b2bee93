import type { ReactNode } from 'react';
import { money } from './order.js';
import styles from './dashboard.module.css';

export interface Sample {
  readonly at: number;
  readonly value: number;
}

const W = 600;
const H = 150;
const PAD = 8;

/** A small live line chart (inline SVG) of the last samples; the newest point is marked. */
export function RevenueChart({ samples }: { readonly samples: readonly Sample[] }): ReactNode {
  if (samples.length === 0) return <svg className={styles.chart} viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Revenue over time" />;
  const values = samples.map((s) => s.value);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi - lo < 1) {
    lo -= 1;
    hi += 1;
  }
  const span = hi - lo;
  const x = (i: number): number => PAD + (samples.length === 1 ? W - 2 * PAD : (i / (samples.length - 1)) * (W - 2 * PAD));
  const y = (v: number): number => H - PAD - ((v - lo) / span) * (H - 2 * PAD - 14);
  const points = samples.map((s, i) => `${x(i).toFixed(1)},${y(s.value).toFixed(1)}`);
  const lastX = x(samples.length - 1);
  const lastY = y(values[values.length - 1]!);
  return (
    <svg className={styles.chart} viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label="Revenue over time" data-samples={samples.length}>
      <defs>
        <linearGradient id="lb-revenue-fill" x1="0" y1="0" x2="0" y2="1">
          <stop offset="0%" stopColor="#4f46e5" stopOpacity="0.28" />
          <stop offset="100%" stopColor="#4f46e5" stopOpacity="0" />
        </linearGradient>
      </defs>
      {[0.25, 0.5, 0.75].map((f) => (
        <line key={f} x1={0} x2={W} y1={H * f} y2={H * f} stroke="#eceef4" strokeWidth={1} />
      ))}
      <polygon points={`${x(0)},${H} ${points.join(' ')} ${lastX},${H}`} fill="url(#lb-revenue-fill)" />
      <polyline points={points.join(' ')} fill="none" stroke="#4f46e5" strokeWidth={2.5} strokeLinejoin="round" vectorEffect="non-scaling-stroke" />
      <circle cx={lastX} cy={lastY} r={4} fill="#4f46e5" stroke="white" strokeWidth={2} vectorEffect="non-scaling-stroke" />
    </svg>
  );
}

const REGION_COLORS = ['#4f46e5', '#0891b2', '#db2777', '#ea580c'];

/** Horizontal bars: revenue per region. */
export function RegionBars({ byRegion }: { readonly byRegion: ReadonlyMap<string, number> }): ReactNode {
  const entries = [...byRegion.entries()];
  const max = Math.max(1, ...entries.map(([, v]) => v));
  return (
    <ul className={styles.bars}>
      {entries.map(([region, value], i) => (
        <li key={region}>
          <span className={styles.barLabel}>{region}</span>
          <span className={styles.barTrack}>
            <span className={styles.bar} style={{ width: `${(value / max) * 100}%`, background: REGION_COLORS[i % REGION_COLORS.length] }} />
          </span>
          <span className={styles.barValue}>{money(value)}</span>
        </li>
      ))}
    </ul>
  );
}
