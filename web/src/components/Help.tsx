// The help panel: what each page is for, in the words of someone coming from VMware Site
// Recovery Manager (SRM), and what the DRS terms behind it mean.
import Box from "@cloudscape-design/components/box";
import HelpPanel from "@cloudscape-design/components/help-panel";
import type { ReactNode } from "react";

interface Topic {
  header: string;
  body: ReactNode;
}

const TERMS = (
  <>
    <h3>Terms</h3>
    <dl>
      <dt>Source server</dt>
      <dd>A machine DRS replicates into the recovery region (SRM: a protected virtual machine).</dd>
      <dt>Protection group</dt>
      <dd>Source servers recovered together, listed or chosen by tags (SRM: a protection group).</dd>
      <dt>Recovery plan</dt>
      <dd>Waves of protection groups run in dependency order, with hooks, approvals and an RTO target (SRM: a recovery plan).</dd>
      <dt>Wave</dt>
      <dd>One DRS launch of its groups' servers; it starts when the waves it depends on have ended (SRM: a priority group).</dd>
      <dt>Drill</dt>
      <dd>Recovery instances launched for a test while replication goes on, cleaned up afterwards (SRM: a test recovery and its cleanup).</dd>
      <dt>Recovery</dt>
      <dd>The real thing: production instances in the recovery region, kept (SRM: a disaster recovery or planned migration).</dd>
      <dt>Reprotect</dt>
      <dd>After a recovery: each recovered instance replicates back to its origin (SRM: reprotect).</dd>
      <dt>Failback</dt>
      <dd>Once reprotected: the plan's waves launched back at the origin, with the hooks that say they run in a failback (SRM: a planned migration back).</dd>
      <dt>Hook</dt>
      <dd>A step before or after a wave's launch: a manual approval, a wait, an HTTP check, an SSM document or a Lambda (SRM: prompts and callouts).</dd>
      <dt>RTO</dt>
      <dd>Recovery time objective: how long a recovery may take. Each execution measures it, from start to the last wave ready.</dd>
    </dl>
  </>
);

const TOPICS: Record<string, Topic> = {
  "": {
    header: "Dashboard",
    body: (
      <p>
        How ready the estate is now: servers whose replication is not continuous (most urgent first), servers never or not recently drilled, plans with lint
        findings, and each plan's last measured RTO against its target. Active executions update live.
      </p>
    ),
  },
  servers: {
    header: "Source servers",
    body: (
      <p>
        What DRS replicates in each account and region: replication state, lag (how far the latest recovery point is behind), the last drill that launched the
        server and the protection group it belongs to. Choose the columns you need from the table's preferences.
      </p>
    ),
  },
  "protection-groups": {
    header: "Protection groups",
    body: (
      <p>
        A group names its servers explicitly or selects them by tags (resolved again at every launch, so new servers tagged alike are included). A server
        belongs to one group at most.
      </p>
    ),
  },
  "recovery-plans": {
    header: "Recovery plans",
    body: (
      <p>
        A plan orders groups into waves. Each wave may wait for others (<b>Runs after</b>), ask for approval, run hooks and pause before it starts. Lint checks
        the plan against DRS before it runs: missing servers, quotas, replication, hooks. Every saved version is kept and can be compared.
      </p>
    ),
  },
  executions: {
    header: "Executions",
    body: (
      <p>
        Each drill or recovery follows its plan wave by wave. You can pause (waves under way finish first), resume, cancel, approve a waiting wave, retry a failed
        wave's servers or skip it. After a drill, <b>Clean up instances</b> terminates its recovery instances; the report is the evidence of what happened.
      </p>
    ),
  },
  audit: { header: "Audit log", body: <p>Who did what and when: sign-ins, lock-outs, changes to groups, plans and users, every execution started and every command.</p> },
  users: { header: "Users and tokens", body: <p>Local users and their roles (viewer, operator, approver, admin), and API tokens for scripts. Disabling a user ends their sessions at once.</p> },
};

/** The help for the page at `pathname`, by its first path segment. */
export function Help({ pathname }: { pathname: string }) {
  const topic = TOPICS[pathname.split("/")[1] ?? ""] ?? TOPICS[""]!;
  return (
    <HelpPanel header={<h2>{topic.header}</h2>}>
      <Box variant="div">{topic.body}</Box>
      {TERMS}
    </HelpPanel>
  );
}
