import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import Container from "@cloudscape-design/components/container";
import Form from "@cloudscape-design/components/form";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import Input from "@cloudscape-design/components/input";
import SpaceBetween from "@cloudscape-design/components/space-between";
import { useEffect, useState, type ReactNode } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { api, ApiError, unwrap } from "../api/client";
import type { SignInOptions } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { ProblemAlert } from "../components/ProblemAlert";

function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

const form = <T extends Record<string, string>>(body: T) => ({
  body,
  bodySerializer: (b: unknown) => new URLSearchParams(b as Record<string, string>).toString(),
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
});

function Frame({ children }: { children: ReactNode }) {
  return (
    <Box padding={{ top: "xxxl", horizontal: "l" }}>
      <main style={{ maxWidth: 440, margin: "0 auto" }}>
        <Container header={<Header variant="h1" description="Disaster recovery for AWS Elastic Disaster Recovery">DRS Orchestrator</Header>}>
          {children}
        </Container>
      </main>
    </Box>
  );
}

/** A one-time password must be replaced before the console (or the API) does anything else. */
function ChangePassword({ username, current: known }: { username: string; current: string }) {
  const { refresh } = useAuth();
  const [current, setCurrent] = useState(known);
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const mismatch = again.length > 0 && again !== next;
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await unwrap(api.POST("/api/v1/auth/password", { body: { currentPassword: current, newPassword: next } }));
      refresh();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const field = (name: string) => (error instanceof ApiError ? error.fieldError(name) : undefined);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <Form
        header={<Header variant="h2" description={`${username || "You"} signed in with a one-time password. Choose your own to continue.`}>Choose a new password</Header>}
        actions={
          <Button variant="primary" formAction="submit" loading={busy} disabled={!current || next.length < 8 || next !== again}>
            Change password
          </Button>
        }
      >
        <SpaceBetween size="m">
          {!field("currentPassword") && !field("newPassword") && <ProblemAlert error={error} header="Could not change the password" />}
          {!known && (
            <FormField label="Current password" errorText={field("currentPassword")}>
              <Input type="password" value={current} onChange={({ detail }) => setCurrent(detail.value)} autoComplete="current-password" ariaLabel="Current password" />
            </FormField>
          )}
          {known && field("currentPassword") && <Box color="text-status-error">{field("currentPassword")}</Box>}
          <FormField label="New password" constraintText="At least 8 characters." errorText={field("newPassword")}>
            <Input type="password" value={next} onChange={({ detail }) => setNext(detail.value)} autoFocus autoComplete="new-password" ariaLabel="New password" />
          </FormField>
          <FormField label="New password again" errorText={mismatch ? "The two passwords differ." : undefined}>
            <Input type="password" value={again} onChange={({ detail }) => setAgain(detail.value)} autoComplete="new-password" ariaLabel="New password again" />
          </FormField>
        </SpaceBetween>
      </Form>
    </form>
  );
}

export default function SignIn() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { me, mustChangePassword, signedIn } = useAuth();
  const [options, setOptions] = useState<SignInOptions | null>(null);
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get("next") ?? sessionStorage.getItem("drso.next"));

  useEffect(() => {
    void unwrap(api.GET("/api/v1/auth/options")).then(setOptions, setError);
    // Back from Cognito's hosted UI: the ID token is in the fragment. It is traded at once
    // for a session cookie and kept nowhere a script could read it later.
    const fragment = new URLSearchParams(window.location.hash.slice(1));
    const idToken = fragment.get("id_token");
    if (idToken) {
      window.history.replaceState(null, "", window.location.pathname);
      void unwrap(api.POST("/api/v1/auth/session/exchange", { headers: { Authorization: `Bearer ${idToken}` } })).then(signedIn, setError);
    }
  }, [signedIn]);

  useEffect(() => {
    if (me) navigate(next, { replace: true });
  }, [me, next, navigate]);

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      signedIn(await unwrap(api.POST("/api/v1/auth/session", form({ username, password }))));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const hosted = options?.cognito;
  const cognito = () => {
    if (!hosted) return;
    sessionStorage.setItem("drso.next", next);
    const url = new URL(hosted.authorizeUrl);
    url.searchParams.set("client_id", hosted.clientId);
    url.searchParams.set("response_type", "token");
    url.searchParams.set("scope", "openid email profile");
    url.searchParams.set("redirect_uri", `${window.location.origin}/signin`);
    window.location.assign(url.toString());
  };
  const wrong = error instanceof ApiError && error.status === 401;

  if (mustChangePassword !== null) {
    return (
      <Frame>
        <ChangePassword username={mustChangePassword} current={password} />
      </Frame>
    );
  }
  return (
    <Frame>
      {options?.local === false ? (
        <SpaceBetween size="m">
          <Box>This deployment signs in through Amazon Cognito.</Box>
          <ProblemAlert error={error} header="Could not sign in" />
          <Button variant="primary" onClick={cognito} disabled={!hosted}>
            Sign in with Cognito
          </Button>
          {!hosted && <Box color="text-status-error">The Cognito hosted UI is not configured (DRSO_COGNITO_DOMAIN).</Box>}
        </SpaceBetween>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <Form
            actions={
              <Button variant="primary" formAction="submit" loading={busy} disabled={!username || !password}>
                Sign in
              </Button>
            }
            errorText={wrong ? "Wrong user name or password." : undefined}
          >
            <SpaceBetween size="m">
              {!wrong && <ProblemAlert error={error} header="Could not sign in" />}
              <FormField label="User name">
                <Input value={username} onChange={({ detail }) => setUsername(detail.value)} autoFocus autoComplete="username" ariaLabel="User name" />
              </FormField>
              <FormField label="Password">
                <Input type="password" value={password} onChange={({ detail }) => setPassword(detail.value)} autoComplete="current-password" ariaLabel="Password" />
              </FormField>
            </SpaceBetween>
          </Form>
        </form>
      )}
    </Frame>
  );
}
