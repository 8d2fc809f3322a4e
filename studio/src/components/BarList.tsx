// A horizontal bar per row, drawn with plain elements: Home's one chart needs no chart library,
// so the first screen after sign-in does not download ECharts (about 190 kB compressed). Screens
// that draw real charts still load components/Charts.tsx lazily.
export interface BarListRow {
  key: string;
  label: string;
  value: number;
}

export function BarList({ rows, title, format = String }: { rows: BarListRow[]; title: string; format?: (n: number) => string }) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  return (
    <div role="list" aria-label={title} style={{ display: 'grid', gridTemplateColumns: 'minmax(0, max-content) 1fr auto', gap: '6px 12px', alignItems: 'center' }}>
      {rows.map((r) => (
        <div role="listitem" key={r.key} style={{ display: 'contents' }}>
          <span className="small" style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
            {r.label}
          </span>
          <span aria-hidden="true" style={{ height: 14, background: 'var(--accent-soft)', borderRadius: 4 }}>
            <span style={{ display: 'block', height: '100%', width: `${(r.value / max) * 100}%`, background: 'var(--accent)', borderRadius: 4 }} />
          </span>
          <span className="small" style={{ fontVariantNumeric: 'tabular-nums', textAlign: 'right' }}>
            {format(r.value)}
          </span>
        </div>
      ))}
    </div>
  );
}
