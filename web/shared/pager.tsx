// Cursor pagination: the cursors of the pages seen so far, so Previous works too.
import { useCallback, useState } from "react";

export function useCursorPages(resetKey: string) {
  const [state, setState] = useState<{ key: string; cursors: (string | undefined)[] }>({ key: resetKey, cursors: [undefined] });
  // a new filter starts again at the first page
  const cursors = state.key === resetKey ? state.cursors : [undefined];
  const next = useCallback((cursor: string) => setState({ key: resetKey, cursors: [...cursors, cursor] }), [cursors, resetKey]);
  const previous = useCallback(() => setState({ key: resetKey, cursors: cursors.slice(0, -1) }), [cursors, resetKey]);
  return { cursor: cursors[cursors.length - 1], page: cursors.length, next, previous };
}

export function Pager({
  page,
  nextCursor,
  onNext,
  onPrevious,
  label,
}: {
  page: number;
  nextCursor: string | null | undefined;
  onNext: (cursor: string) => void;
  onPrevious: () => void;
  label: string;
}) {
  if (page === 1 && !nextCursor) return null;
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <button type="button" className="button secondary small" disabled={page === 1} onClick={onPrevious}>
        ← Previous
      </button>
      <span aria-live="polite">Page {page}</span>
      <button type="button" className="button secondary small" disabled={!nextCursor} onClick={() => nextCursor && onNext(nextCursor)}>
        Next →
      </button>
    </nav>
  );
}
