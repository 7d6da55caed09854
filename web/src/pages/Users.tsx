// Local users and API tokens (user administrators). A new token is shown once.
import Alert from "@cloudscape-design/components/alert";
import Button from "@cloudscape-design/components/button";
import Checkbox from "@cloudscape-design/components/checkbox";
import ContentLayout from "@cloudscape-design/components/content-layout";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import Input from "@cloudscape-design/components/input";
import Modal from "@cloudscape-design/components/modal";
import Multiselect from "@cloudscape-design/components/multiselect";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import Tabs from "@cloudscape-design/components/tabs";
import { useState } from "react";
import { api, ApiError, unwrap } from "../api/client";
import type { ApiTokenCreated, Role } from "../api/types";
import { ModalFooter } from "../components/ModalFooter";
import { ProblemAlert } from "../components/ProblemAlert";
import { Time } from "../components/Time";
import { useApi } from "../lib/useApi";
import { DataTable } from "../components/DataTable";

const ROLES: Role[] = ["viewer", "operator", "recovery-admin", "admin"];

function RolePicker({ value, onChange, label, error }: { value: Role[]; onChange: (r: Role[]) => void; label: string; error?: string }) {
  return (
    <FormField label={label} errorText={error}>
      <Multiselect
        selectedOptions={value.map((r) => ({ value: r, label: r }))}
        options={ROLES.map((r) => ({ value: r, label: r }))}
        onChange={({ detail }) => onChange(detail.selectedOptions.map((o) => o.value as Role))}
        ariaLabel={label}
      />
    </FormField>
  );
}

function UsersTab() {
  const users = useApi(() => unwrap(api.GET("/api/v1/users", { params: { query: { limit: 100 } } })), []);
  const [open, setOpen] = useState(false);
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [roles, setRoles] = useState<Role[]>(["viewer"]);
  const [mustChange, setMustChange] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const field = (f: string) => (error instanceof ApiError ? error.fieldError(f) : undefined);
  const create = async () => {
    try {
      await unwrap(api.POST("/api/v1/users", { body: { username, password, roles, passwordChangeRequired: mustChange } }));
      setOpen(false);
      setUsername("");
      setPassword("");
      users.reload();
    } catch (failure) {
      setError(failure);
    }
  };
  const setDisabled = async (name: string, version: number, disabled: boolean) => {
    try {
      await unwrap(
        api.PATCH("/api/v1/users/{username}", {
          params: { path: { username: name }, header: { "If-Match": `"${version}"` } },
          body: { disabled },
        }),
      );
      users.reload();
    } catch (failure) {
      setError(failure);
    }
  };
  const remove = async (name: string) => {
    try {
      await unwrap(api.DELETE("/api/v1/users/{username}", { params: { path: { username: name } } }));
      users.reload();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <SpaceBetween size="s">
      {!open && <ProblemAlert error={error} />}
      <DataTable
        name="users"
        loading={users.loading}
        items={users.data?.items ?? []}
        header={
          <Header actions={<Button onClick={() => (setError(null), setOpen(true))}>Create user</Button>} counter={users.data ? `(${users.data.items.length})` : undefined}>
            Users
          </Header>
        }
        columnDefinitions={[
          { id: "name", header: "User name", kind: "name", cell: (u) => u.username },
          { id: "roles", header: "Roles", kind: "text", cell: (u) => u.roles.join(", ") },
          {
            id: "state",
            header: "State", kind: "status",
            cell: (u) =>
              u.disabled ? (
                <StatusIndicator type="stopped">Disabled</StatusIndicator>
              ) : u.passwordChangeRequired ? (
                <StatusIndicator type="pending">Password change due</StatusIndicator>
              ) : (
                <StatusIndicator type="success">Active</StatusIndicator>
              ),
          },
          { id: "created", header: "Created", kind: "time", cell: (u) => <Time value={u.createdAt} /> },
          { id: "by", header: "By", kind: "short", cell: (u) => u.createdBy },
          {
            id: "actions",
            header: "Actions", kind: "actions",
            cell: (u) => (
              <SpaceBetween direction="horizontal" size="xs">
                <Button variant="inline-link" onClick={() => void setDisabled(u.username, u.version, !u.disabled)} ariaLabel={`${u.disabled ? "Enable" : "Disable"} user ${u.username}`}>
                  {u.disabled ? "Enable" : "Disable"}
                </Button>
                <Button variant="inline-link" onClick={() => void remove(u.username)} ariaLabel={`Delete user ${u.username}`}>
                  Delete
                </Button>
              </SpaceBetween>
            ),
          },
        ]}
      />
      <Modal
        visible={open}
        onDismiss={() => setOpen(false)}
        header="Create user"
        footer={<ModalFooter confirm="Create" onConfirm={() => void create()} onCancel={() => setOpen(false)} />}
      >
        <SpaceBetween size="m">
          <ProblemAlert error={error} header="The user was not created" />
          <FormField label="User name" errorText={field("username")}>
            <Input value={username} onChange={({ detail }) => setUsername(detail.value)} ariaLabel="New user name" />
          </FormField>
          <FormField label="Password" description="At least 8 characters." errorText={field("password")}>
            <Input type="password" value={password} onChange={({ detail }) => setPassword(detail.value)} ariaLabel="New user password" />
          </FormField>
          <RolePicker label="Roles" value={roles} onChange={setRoles} error={field("roles")} />
          <Checkbox checked={mustChange} onChange={({ detail }) => setMustChange(detail.checked)}>
            The user chooses a new password at first sign-in
          </Checkbox>
        </SpaceBetween>
      </Modal>
    </SpaceBetween>
  );
}

function TokensTab() {
  const tokens = useApi(() => unwrap(api.GET("/api/v1/tokens", { params: { query: { all: true, limit: 100 } } })), []);
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [days, setDays] = useState("90");
  const [created, setCreated] = useState<ApiTokenCreated | null>(null);
  const [error, setError] = useState<unknown>(null);
  const create = async () => {
    try {
      setCreated(await unwrap(api.POST("/api/v1/tokens", { body: { name, expiresInDays: days ? Number(days) : null } })));
      setOpen(false);
      tokens.reload();
    } catch (failure) {
      setError(failure);
    }
  };
  const revoke = async (id: string) => {
    try {
      await unwrap(api.DELETE("/api/v1/tokens/{token_id}", { params: { path: { token_id: id } } }));
      tokens.reload();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <SpaceBetween size="s">
      {created && (
        <Alert type="success" header={`Token ${created.name} created`} dismissible onDismiss={() => setCreated(null)}>
          Copy it now; it is not shown again: <code data-testid="new-token">{created.token}</code>
        </Alert>
      )}
      {!open && <ProblemAlert error={error} />}
      <DataTable
        name="api-tokens"
        loading={tokens.loading}
        items={tokens.data?.items ?? []}
        header={<Header actions={<Button onClick={() => (setError(null), setOpen(true))}>Create token</Button>}>API tokens</Header>}
        columnDefinitions={[
          { id: "name", header: "Name", cell: (t) => t.name },
          { id: "user", header: "User", kind: "short", cell: (t) => t.username },
          { id: "prefix", header: "Starts with", kind: "id", cell: (t) => <code>{t.prefix}</code> },
          { id: "roles", header: "Roles", kind: "text", cell: (t) => t.roles.join(", ") },
          { id: "expires", header: "Expires", kind: "time", cell: (t) => (t.expiresAt ? <Time value={t.expiresAt} /> : "Never") },
          { id: "used", header: "Last used", kind: "time", cell: (t) => <Time value={t.lastUsedAt} /> },
          { id: "state", header: "State", kind: "status", cell: (t) => (t.revokedAt ? <StatusIndicator type="stopped">Revoked</StatusIndicator> : <StatusIndicator type="success">Active</StatusIndicator>) },
          { id: "actions", header: "Actions", kind: "actions", cell: (t) => (t.revokedAt ? "" : <Button variant="inline-link" onClick={() => void revoke(t.id)} ariaLabel={`Revoke token ${t.name}`}>Revoke</Button>) },
        ]}
      />
      <Modal
        visible={open}
        onDismiss={() => setOpen(false)}
        header="Create API token"
        footer={<ModalFooter confirm="Create" onConfirm={() => void create()} onCancel={() => setOpen(false)} />}
      >
        <SpaceBetween size="m">
          <ProblemAlert error={error} header="The token was not created" />
          <FormField label="Name" errorText={error instanceof ApiError ? error.fieldError("name") : undefined}>
            <Input value={name} onChange={({ detail }) => setName(detail.value)} ariaLabel="Token name" />
          </FormField>
          <FormField label="Expires in (days)" description="Empty: never." errorText={error instanceof ApiError ? error.fieldError("expiresInDays") : undefined}>
            <Input type="number" value={days} onChange={({ detail }) => setDays(detail.value)} ariaLabel="Token expires in days" />
          </FormField>
        </SpaceBetween>
      </Modal>
    </SpaceBetween>
  );
}

export default function Users() {
  return (
    <ContentLayout header={<Header variant="h1">Users and tokens</Header>}>
      <Tabs
        tabs={[
          { id: "users", label: "Users", content: <UsersTab /> },
          { id: "tokens", label: "API tokens", content: <TokensTab /> },
        ]}
      />
    </ContentLayout>
  );
}
