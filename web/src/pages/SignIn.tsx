import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import Container from "@cloudscape-design/components/container";
import Form from "@cloudscape-design/components/form";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import Input from "@cloudscape-design/components/input";
import SpaceBetween from "@cloudscape-design/components/space-between";
import { useEffect, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { api, ApiError, unwrap } from "../api/client";
import type { SignInOptions } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { secondsLeft, session } from "../auth/session";
import { ProblemAlert } from "../components/ProblemAlert";

function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export default function SignIn() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { me } = useAuth();
  const [options, setOptions] = useState<SignInOptions | null>(null);
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get("next") ?? sessionStorage.getItem("drso.next"));

  useEffect(() => {
    void unwrap(api.GET("/api/v1/auth/options")).then(setOptions, setError);
    // Back from Cognito's hosted UI: the ID token is in the fragment.
    const fragment = new URLSearchParams(window.location.hash.slice(1));
    const idToken = fragment.get("id_token");
    if (idToken) {
      session.save(idToken, secondsLeft(idToken));
      window.history.replaceState(null, "", window.location.pathname);
    }
  }, []);

  useEffect(() => {
    if (me) navigate(next, { replace: true });
  }, [me, next, navigate]);

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const answer = await unwrap(
        api.POST("/api/v1/auth/token", {
          body: { username, password, grant_type: "password" },
          bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
        }),
      );
      session.save(answer.access_token, answer.expires_in);
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

  return (
    <Box padding={{ top: "xxxl", horizontal: "l" }}>
      <div style={{ maxWidth: 440, margin: "0 auto" }}>
        <Container header={<Header variant="h1" description="Disaster recovery for AWS Elastic Disaster Recovery">DRS Orchestrator</Header>}>
          {options?.local === false ? (
            <SpaceBetween size="m">
              <Box>This deployment signs in through Amazon Cognito.</Box>
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
        </Container>
      </div>
    </Box>
  );
}
