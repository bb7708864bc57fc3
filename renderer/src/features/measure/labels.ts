/** A label to place: its anchor (the segment's midpoint) and its box size, in image pixels. */
export interface LabelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Vertical offsets that keep distance labels from covering each other: each label, in order, sits
 * at its anchor unless it would overlap one already placed; then it moves up or down, whichever
 * is nearer, by whole label heights until it is clear (labels of segments far apart never move).
 */
export function labelOffsets(labels: readonly LabelBox[]): number[] {
  const placed: { x0: number; x1: number; y0: number; y1: number }[] = [];
  return labels.map((l) => {
    const x0 = l.x - l.width / 2;
    const x1 = l.x + l.width / 2;
    const clear = (dy: number) =>
      placed.every((p) => x1 <= p.x0 || x0 >= p.x1 || l.y + dy <= p.y0 || l.y + dy - l.height >= p.y1);
    let dy = 0;
    for (let k = 1; !clear(dy) && k <= 2 * labels.length; k++) {
      const step = Math.ceil(k / 2) * l.height;
      dy = k % 2 ? -step : step;
    }
    placed.push({ x0, x1, y0: l.y + dy - l.height, y1: l.y + dy });
    return dy;
  });
}
