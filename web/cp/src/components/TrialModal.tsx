// The trial sign-up dialog: the terms, then POST /trials; a refusal (a second trial of
// the same agent is a 409) is shown in the dialog; success opens the trial dashboard.
import { useEffect, useRef } from "react";
import { Link, useLocation, useNavigate } from "react-router";
import { call } from "@shared/api.ts";
import { useAuth } from "@shared/auth.tsx";
import { useAction } from "@shared/hooks.ts";
import { useIdempotencyKey } from "@shared/idempotency.ts";
import { ProblemAlert } from "@shared/ui.tsx";
import { cp } from "../api.ts";

export interface TrialTarget {
  id: string;
  name: string;
}

export function TrialModal({ agent, onClose }: { agent: TrialTarget | null; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const navigate = useNavigate();
  const location = useLocation();
  const { session } = useAuth();
  const keyFor = useIdempotencyKey();
  const start = useAction(async (agentId: string) => {
    const body = { agent_id: agentId };
    return call(cp.POST("/api/v1/trials", { body, params: { header: { "Idempotency-Key": keyFor(body) } } }));
  });
  const { setError } = start;

  useEffect(() => {
    const el = dialog.current;
    if (!el) return;
    if (agent && !el.open) {
      setError(null);
      el.showModal();
    }
    if (!agent && el.open) el.close();
  }, [agent, setError]);

  const confirm = async () => {
    if (!agent) return;
    if (!session) {
      navigate("/signin", { state: { from: location.pathname } });
      return;
    }
    const trial = await start.run(agent.id);
    if (trial) {
      onClose();
      navigate(`/trials/${trial.id}/dashboard`, { state: { started: true } });
    }
  };

  return (
    <dialog ref={dialog} className="modal" aria-labelledby="trial-title" onClose={onClose}>
      <h2 id="trial-title">Try {agent?.name} for 7 days free</h2>
      <ul>
        <li>Keep all deliverables even if you cancel</li>
        <li>No credit card required</li>
        <li>Tasks run in a sandbox, within the trial's budget</li>
      </ul>
      {!session ? <p className="muted">You will be asked to sign in first.</p> : null}
      {start.error ? <ProblemAlert error={start.error} /> : null}
      {start.error?.status === 409 ? (
        <p>
          <Link to="/trials" onClick={onClose}>
            Go to my trials
          </Link>
        </p>
      ) : null}
      <div className="modal-actions">
        <button type="button" className="button secondary" onClick={onClose}>
          Not now
        </button>
        <button type="button" className="button" onClick={confirm} disabled={start.pending} autoFocus>
          {start.pending ? "Starting…" : "Start Trial"}
        </button>
      </div>
    </dialog>
  );
}
