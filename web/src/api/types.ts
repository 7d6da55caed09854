// Names for the generated OpenAPI types: the server defines every shape and status once.
import type { components } from "./schema";

type S = components["schemas"];
export type ExecutionStatus = S["ExecutionStatus"];
export type WaveStatus = S["WaveStatus"];
export type ServerStatus = S["ServerStatus"];
export type HookStatus = S["HookStatus"];
export type CleanupStatus = S["CleanupStatus"];
export type Mode = S["Mode"];
export type SyncState = S["SyncState"];
export type LaunchStatus = S["LaunchStatusOut"];
export type ServerLaunchStatus = S["ServerLaunchStatusOut"];
export type LaunchApply = S["ApplyOut"];
export type LaunchSettingsDoc = S["LaunchSettingsOut"];
/** A row of the engine's mode table, with whether the caller may start it. */
export type ModeRow = S["ModeOut"];
/** Where a plan stands in the round trip, and each server's step home. */
export type SiteState = S["SiteStateOut"];
/** What a release of a plan's recovery-region instances did, per server. */
export type Release = S["ReleaseOut"];
export type Command = S["Command"];
export type Role = S["Role"];
export type Problem = S["Problem"];
export type FieldError = S["FieldError"];
export type ExecutionSummary = S["ExecutionSummary"];
export type ExecutionDetail = S["ExecutionOut"];
export type WaveRun = S["WaveOut"];
export type ServerRun = S["ServerOut"];
export type HookRun = S["HookOut"];
export type Transition = S["Transition"];
/** What /executions/live pushes (an event stream, so not in the OpenAPI responses). */
export interface ActiveExecutions {
  items: ExecutionSummary[];
}
export type Me = S["MeOut"];
export type SignInOptions = S["SignInOptions"];
export type DiscoveredServer = S["DiscoveredServerOut"];
export type Discovery = S["DiscoveryOut"];
export type ProtectionGroup = S["ProtectionGroupOut"];
export type ProtectionGroupSpec = S["ProtectionGroupSpec"];
export type RecoveryPlan = S["RecoveryPlanOut"];
// A plan holds hooks whose Lambda payload is any JSON value, a recursive schema, which the
// document names twice (-Input, -Output); the two have the same shape.
export type RecoveryPlanSpec = S["RecoveryPlanSpec-Input"];
export type Wave = S["Wave-Input"];
export type Hook = Wave["preHooks"] extends (infer H)[] | undefined ? H : never;
export type Finding = S["FindingOut"];
export type Lint = S["LintOut"];
export type PlanVersionSummary = S["PlanVersionSummary"];
export type PlanVersion = S["PlanVersionOut"];
export type PlanReadiness = S["PlanReadinessOut"];
export type ServerReadiness = S["ServerReadinessOut"];
export type RtoEstimate = S["RtoEstimateOut"];
export type AuditEntry = S["AuditEntry"];
export type User = S["UserOut"];
export type ApiToken = S["ApiTokenOut"];
export type ApiTokenCreated = S["ApiTokenCreated"];
export type ServerClock = S["ServerClock"];
export type Report = S["Report"];
export type SessionOut = S["SessionOut"];
