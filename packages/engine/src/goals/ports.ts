// What goals need from the workflow module, as small interfaces so the engine can be wired to
// @attain/workflow (approvals, notifications) without depending on its internals.

export interface ApprovalRequest {
  tenant: string;
  /** What is being approved, e.g. target plan version id. */
  subject: { kind: 'target_plan_version'; id: string; label: string };
  requestedBy: string | null;
}

export interface ApprovalGateway {
  /** Starts an approval; returns a reference, or `auto` when no flow applies (the caller then approves through its own rule). */
  submit(request: ApprovalRequest): Promise<{ ref: string } | 'manual'>;
}

export interface Notifier {
  notify(tenant: string, to: string[], message: { subject: string; body: string; link?: string }): Promise<void>;
}

/** No workflow wired: plans are approved by an admin through the goals API. */
export const manualApprovals: ApprovalGateway = { submit: async () => 'manual' };
