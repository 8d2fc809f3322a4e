// The one rule every org writer uses: replace a timeline from a date on, merging equal neighbours.
import { describe, expect, it } from 'vitest';
import { replaceFrom, sameTimeline, spanAt, type Span } from '../src/org/timeline.ts';

const same = (a: string, b: string) => a === b;
const span = (value: string, valid_from: string, valid_to: string | null = null): Span<string> => ({ value, valid_from, valid_to });

describe('org timelines', () => {
  it('cuts the span covering the date and appends the new ones', () => {
    const current = [span('east', '1900-01-01')];
    expect(replaceFrom(current, '2026-03-15', [span('west', '2026-03-15')], same)).toEqual([span('east', '1900-01-01', '2026-03-15'), span('west', '2026-03-15')]);
  });

  it('drops spans starting on or after the date, including future-dated ones', () => {
    const current = [span('east', '1900-01-01', '2026-03-01'), span('west', '2026-03-01', '2027-01-01'), span('north', '2027-01-01')];
    expect(replaceFrom(current, '2026-02-01', [span('south', '2026-02-01')], same)).toEqual([span('east', '1900-01-01', '2026-02-01'), span('south', '2026-02-01')]);
  });

  it('merges a change back to the previous value, and repeating a change changes nothing', () => {
    const moved = replaceFrom([span('east', '1900-01-01')], '2026-03-15', [span('west', '2026-03-15')], same);
    expect(replaceFrom(moved, '2026-03-15', [span('east', '2026-03-15')], same)).toEqual([span('east', '1900-01-01')]);
    expect(sameTimeline(replaceFrom(moved, '2026-03-15', [span('west', '2026-03-15')], same), moved, same)).toBe(true);
  });

  it('an empty replacement ends the timeline at the date (someone leaves); gaps stay gaps', () => {
    expect(replaceFrom([span('east', '1900-01-01')], '2026-05-01', [], same)).toEqual([span('east', '1900-01-01', '2026-05-01')]);
    const gap = replaceFrom([span('east', '1900-01-01')], '2026-01-01', [span('west', '2026-01-01', '2026-02-01'), span('west', '2026-03-01')], same);
    expect(gap).toEqual([span('east', '1900-01-01', '2026-01-01'), span('west', '2026-01-01', '2026-02-01'), span('west', '2026-03-01')]);
    expect(spanAt(gap, '2026-02-10')).toBeUndefined();
    expect(spanAt(gap, '2026-01-31')?.value).toBe('west');
    expect(spanAt(gap, '2026-01-01')?.value).toBe('west');
    expect(spanAt(gap, '2025-12-31')?.value).toBe('east');
  });
});
