// Two small SVG charts. Each is an image with a title and a description for screen
// readers, and a data table (in a disclosure) with the same numbers.
import { useId } from "react";

export interface Slice {
  label: string;
  value: number;
  color: string;
}

function DataTable({ caption, rows, unit }: { caption: string; rows: Slice[]; unit?: string }) {
  return (
    <details className="chart-data">
      <summary>Data table</summary>
      <table>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Label</th>
            <th scope="col">Value{unit ? ` (${unit})` : ""}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.label}>
              <th scope="row">{r.label}</th>
              <td>{r.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/** A donut of parts of a whole, with the total in the middle. */
export function DonutChart({ title, slices, size = 180 }: { title: string; slices: Slice[]; size?: number }) {
  const id = useId();
  const total = slices.reduce((s, x) => s + x.value, 0);
  const r = 60;
  const circumference = 2 * Math.PI * r;
  let offset = 0;
  const desc = total
    ? slices.map((s) => `${s.label}: ${s.value} of ${total}`).join("; ")
    : "no data";
  return (
    <figure className="chart">
      <svg
        role="img"
        aria-labelledby={`${id}-t ${id}-d`}
        viewBox="0 0 160 160"
        width={size}
        height={size}
        data-testid="donut-chart"
      >
        <title id={`${id}-t`}>{title}</title>
        <desc id={`${id}-d`}>{desc}</desc>
        <circle cx="80" cy="80" r={r} fill="none" stroke="#e5e7eb" strokeWidth="22" />
        {total > 0 &&
          slices.map((s) => {
            const length = (s.value / total) * circumference;
            const el = (
              <circle
                key={s.label}
                cx="80"
                cy="80"
                r={r}
                fill="none"
                stroke={s.color}
                strokeWidth="22"
                strokeDasharray={`${length} ${circumference - length}`}
                strokeDashoffset={-offset}
                transform="rotate(-90 80 80)"
              />
            );
            offset += length;
            return el;
          })}
        <text x="80" y="86" textAnchor="middle" fontSize="22" fontWeight="700" fill="#111827">
          {total}
        </text>
      </svg>
      <figcaption>
        <strong>{title}</strong>
        <ul className="legend">
          {slices.map((s) => (
            <li key={s.label}>
              <span className="swatch" style={{ background: s.color }} aria-hidden="true" /> {s.label}: {s.value}
            </li>
          ))}
        </ul>
        <DataTable caption={title} rows={slices} />
      </figcaption>
    </figure>
  );
}

/** Horizontal bars, one per label, scaled to the largest value. */
export function BarChart({ title, bars, unit }: { title: string; bars: Slice[]; unit?: string }) {
  const id = useId();
  const max = Math.max(1, ...bars.map((b) => b.value));
  const rowHeight = 26;
  const labelWidth = 70;
  const width = 320;
  const height = Math.max(rowHeight, bars.length * rowHeight);
  const desc = bars.length ? bars.map((b) => `${b.label}: ${b.value}`).join("; ") : "no data";
  return (
    <figure className="chart">
      <svg
        role="img"
        aria-labelledby={`${id}-t ${id}-d`}
        viewBox={`0 0 ${width} ${height}`}
        width="100%"
        style={{ maxWidth: width }}
        data-testid="bar-chart"
      >
        <title id={`${id}-t`}>{title}</title>
        <desc id={`${id}-d`}>{desc}</desc>
        {bars.map((b, i) => {
          const w = ((width - labelWidth - 40) * b.value) / max;
          const y = i * rowHeight;
          return (
            <g key={b.label}>
              <text x="0" y={y + 17} fontSize="12" fill="#111827">
                {b.label}
              </text>
              <rect x={labelWidth} y={y + 5} width={Math.max(w, b.value > 0 ? 2 : 0)} height="16" fill={b.color} rx="2" />
              <text x={labelWidth + w + 6} y={y + 17} fontSize="12" fill="#111827">
                {b.value}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <strong>{title}</strong>
        <DataTable caption={title} rows={bars} unit={unit} />
      </figcaption>
    </figure>
  );
}
