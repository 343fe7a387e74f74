import type { ReactNode } from "react";

/** An error for the buyer, announced by screen readers as it appears. */
export function ErrorNote({ children }: { children: ReactNode }) {
  return (
    <p role="alert" className="error">
      {children}
    </p>
  );
}

/** A success or progress note, announced politely. */
export function StatusNote({ children }: { children: ReactNode }) {
  return (
    <p role="status" className="status">
      {children}
    </p>
  );
}
