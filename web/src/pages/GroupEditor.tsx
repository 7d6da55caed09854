// Create or edit a protection group: pick servers from discovery (those in another group are
// shown but cannot be picked) or give a tag selector and see what it matches, live.
import AttributeEditor from "@cloudscape-design/components/attribute-editor";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import Container from "@cloudscape-design/components/container";
import ContentLayout from "@cloudscape-design/components/content-layout";
import Form from "@cloudscape-design/components/form";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import Input from "@cloudscape-design/components/input";
import Modal from "@cloudscape-design/components/modal";
import SegmentedControl from "@cloudscape-design/components/segmented-control";
import Select from "@cloudscape-design/components/select";
import Tabs from "@cloudscape-design/components/tabs";
import SpaceBetween from "@cloudscape-design/components/space-between";
import Textarea from "@cloudscape-design/components/textarea";
import { useEffect, useMemo, useState } from "react";
import { useCrumb } from "../lib/crumbs";
import { useNavigate, useParams, useSearchParams } from "react-router";
import { api, ApiError, unwrap } from "../api/client";
import type { DiscoveredServer, ProtectionGroup, ProtectionGroupSpec } from "../api/types";
import { ModalFooter } from "../components/ModalFooter";
import { ProblemAlert } from "../components/ProblemAlert";
import { ServerTable } from "../components/ServerTable";
import { LaunchSettingsTab } from "../components/LaunchSettingsTab";
import { AccountSelect } from "../components/AccountSelect";
import { useAccounts, useDiscovery, useRegions } from "../lib/discovery";

interface Tag {
  key: string;
  value: string;
}

function usePreview(account: string | null, region: string | null, tags: Tag[], editingGroupId: string | undefined, enabled: boolean) {
  const [servers, setServers] = useState<DiscoveredServer[]>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const complete = tags.filter((t) => t.key.trim());
  const key = JSON.stringify([account, region, complete, enabled]);
  useEffect(() => {
    if (!enabled || !region || complete.length === 0) {
      setServers([]);
      return;
    }
    let current = true;
    setLoading(true);
    // Typing settles before DRS is asked.
    const timer = setTimeout(() => {
      unwrap(
        api.POST("/api/v1/protection-groups/resolve", {
          body: { accountId: account, region, serverSelector: { tags: Object.fromEntries(complete.map((t) => [t.key.trim(), t.value])) }, editingGroupId },
        }),
      ).then(
        (found) => {
          if (!current) return;
          setServers(found.servers);
          setError(null);
          setLoading(false);
        },
        (failure: unknown) => {
          if (!current) return;
          setError(failure);
          setLoading(false);
        },
      );
    }, 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [key, editingGroupId]);
  return { servers, loading, error };
}

export default function GroupEditor() {
  const { id } = useParams();
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const [existing, setExisting] = useState<ProtectionGroup | null>(null);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [region, setRegion] = useState<string | null>(null);
  const [how, setHow] = useState<"servers" | "tags">("servers");
  const [selectedIds, setSelectedIds] = useState<string[]>([]);
  const [tags, setTags] = useState<Tag[]>([{ key: "", value: "" }]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const accounts = useAccounts();
  const [account, setAccount] = useState<string | null>(null);
  const { regions, error: regionError } = useRegions(account);

  useCrumb(existing?.name);
  useEffect(() => {
    if (!id) return;
    unwrap(api.GET("/api/v1/protection-groups/{group_id}", { params: { path: { group_id: id } } })).then((g) => {
      setExisting(g);
      setName(g.name);
      setDescription(g.description);
      setRegion(g.region);
      setAccount(g.accountId);
      if (g.serverSelector) {
        setHow("tags");
        setTags(Object.entries(g.serverSelector.tags).map(([key, value]) => ({ key, value })));
      } else {
        setSelectedIds(g.sourceServerIds ?? []);
      }
    }, setError);
  }, [id]);
  useEffect(() => {
    if (!account && !id && accounts?.length) setAccount(accounts[0]!);
  }, [accounts, account, id]);
  useEffect(() => {
    if (!id && regions?.length && (!region || !regions.includes(region))) setRegion(regions[0]!);
  }, [regions, region, id]);

  const discovery = useDiscovery(how === "servers" ? region : null, id, account);
  // Selection survives new pages of discovery: it is kept by ID.
  const selected = useMemo(
    () => discovery.servers.filter((s) => selectedIds.includes(s.sourceServerId)),
    [discovery.servers, selectedIds],
  );
  const preview = usePreview(account, region, tags, id, how === "tags");

  const fieldError = (field: string) => (error instanceof ApiError ? error.fieldError(field) : undefined);
  const spec = useMemo<ProtectionGroupSpec>(
    () => ({
      name,
      description,
      accountId: account,
      region: region ?? "",
      ...(how === "servers"
        ? { sourceServerIds: selectedIds }
        : { serverSelector: { tags: Object.fromEntries(tags.filter((t) => t.key.trim()).map((t) => [t.key.trim(), t.value])) } }),
    }),
    [name, description, account, region, how, selectedIds, tags],
  );

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const saved = existing
        ? await unwrap(
            api.PUT("/api/v1/protection-groups/{group_id}", {
              params: { path: { group_id: existing.id }, header: { "If-Match": `"${existing.version}"` } },
              body: spec,
            }),
          )
        : await unwrap(api.POST("/api/v1/protection-groups", { body: spec }));
      navigate(`/protection-groups/${saved.id}`, { replace: true });
      setExisting(saved);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    if (!existing) return;
    try {
      await unwrap(
        api.DELETE("/api/v1/protection-groups/{group_id}", {
          params: { path: { group_id: existing.id }, header: { "If-Match": `"${existing.version}"` } },
        }),
      );
      navigate("/protection-groups");
    } catch (failure) {
      setError(failure);
      setDeleting(false);
    }
  };
  const tagErrors = fieldError("serverSelector.tags") ?? fieldError("serverSelector");
  const tab = search.get("tab") === "launch-settings" ? "launch-settings" : "details";
  const detailsForm = (
        <form onSubmit={(e) => e.preventDefault()}>
          <Form
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <Button variant="link" onClick={() => navigate("/protection-groups")} formAction="none">
                  Cancel
                </Button>
                <Button variant="primary" onClick={() => void save()} loading={busy}>
                  {existing ? "Save changes" : "Create protection group"}
                </Button>
              </SpaceBetween>
            }
          >
            <SpaceBetween size="l">
              <ProblemAlert error={error} header="The protection group was not saved" />
              <ProblemAlert error={regionError} header="Could not list the regions" />
              <Container header={<Header variant="h2">Details</Header>}>
                <SpaceBetween size="m">
                  <FormField label="Name" errorText={fieldError("name")}>
                    <Input value={name} onChange={({ detail }) => setName(detail.value)} ariaLabel="Name" />
                  </FormField>
                  <FormField label="Description" errorText={fieldError("description")}>
                    <Textarea value={description} onChange={({ detail }) => setDescription(detail.value)} ariaLabel="Description" rows={2} />
                  </FormField>
                  <AccountSelect
                    accounts={accounts}
                    value={account}
                    disabled={!!existing}
                    onChange={(a) => {
                      setAccount(a);
                      setSelectedIds([]);
                    }}
                  />
                  <FormField label="Region" errorText={fieldError("region")} description={existing ? "A group stays in its region." : undefined}>
                    <Select
                      disabled={!!existing}
                      selectedOption={region ? { value: region, label: region } : null}
                      options={(regions ?? []).map((r) => ({ value: r, label: r }))}
                      onChange={({ detail }) => {
                        setRegion(detail.selectedOption.value ?? null);
                        setSelectedIds([]);
                      }}
                      ariaLabel="Region"
                    />
                  </FormField>
                  <FormField label="Choose servers">
                    <SegmentedControl
                      selectedId={how}
                      onChange={({ detail }) => setHow(detail.selectedId as "servers" | "tags")}
                      label="How servers are chosen"
                      options={[
                        { id: "servers", text: "From discovery" },
                        { id: "tags", text: "By tags" },
                      ]}
                    />
                  </FormField>
                </SpaceBetween>
              </Container>
              {how === "servers" ? (
                <FormField errorText={fieldError("sourceServerIds")} stretch>
                  <ServerTable
                    header={
                      <Header counter={`(${selectedIds.length} selected)`} description="Servers already in another group are shown, and cannot be selected.">
                        Source servers
                      </Header>
                    }
                    servers={discovery.servers}
                    loading={discovery.loading}
                    more={discovery.more}
                    selected={selected}
                    onSelect={(servers) => {
                      const onPage = new Set(discovery.servers.map((s) => s.sourceServerId));
                      setSelectedIds([...selectedIds.filter((x) => !onPage.has(x)), ...servers.map((s) => s.sourceServerId)]);
                    }}
                    error={<ProblemAlert error={discovery.error} header="DRS did not answer" />}
                  />
                </FormField>
              ) : (
                <SpaceBetween size="l">
                  <Container header={<Header variant="h2" description="A server belongs when it carries every one of these tags.">Tag selector</Header>}>
                    <FormField errorText={tagErrors} stretch>
                      <AttributeEditor
                        items={tags}
                        onAddButtonClick={() => setTags([...tags, { key: "", value: "" }])}
                        onRemoveButtonClick={({ detail }) => setTags(tags.filter((_, i) => i !== detail.itemIndex))}
                        addButtonText="Add tag"
                        removeButtonText="Remove"
                        empty="No tags"
                        definition={[
                          {
                            label: "Key",
                            control: (t, i) => <Input value={t.key} ariaLabel={`Tag key ${i + 1}`} onChange={({ detail }) => setTags(tags.map((x, j) => (j === i ? { ...x, key: detail.value } : x)))} />,
                          },
                          {
                            label: "Value",
                            control: (t, i) => <Input value={t.value} ariaLabel={`Tag value ${i + 1}`} onChange={({ detail }) => setTags(tags.map((x, j) => (j === i ? { ...x, value: detail.value } : x)))} />,
                          },
                        ]}
                      />
                    </FormField>
                  </Container>
                  <ServerTable
                    header={
                      <Header counter={`(${preview.servers.length})`} description="What the selector matches now; servers owned by another group would conflict.">
                        Preview
                      </Header>
                    }
                    servers={preview.servers}
                    loading={preview.loading}
                    error={<ProblemAlert error={preview.error} header="Could not preview the selector" />}
                  />
                  {preview.servers.some((s) => !s.selectable) && (
                    <Box color="text-status-error">
                      {preview.servers.filter((s) => !s.selectable).length} matching servers already belong to another group.
                    </Box>
                  )}
                </SpaceBetween>
              )}
            </SpaceBetween>
          </Form>
        </form>
  );

  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          actions={
            existing && (
              <Button iconName="remove" onClick={() => setDeleting(true)}>
                Delete
              </Button>
            )
          }
        >
          {existing ? `Protection group ${existing.name}` : "Create protection group"}
        </Header>
      }
    >
      {existing ? (
        <Tabs
          activeTabId={tab}
          onChange={({ detail }) => setSearch(detail.activeTabId === "details" ? {} : { tab: detail.activeTabId }, { replace: true })}
          ariaLabel="Protection group"
          tabs={[
            { id: "details", label: "Details", content: detailsForm },
            { id: "launch-settings", label: "Launch settings", content: <LaunchSettingsTab groupId={existing.id} /> },
          ]}
        />
      ) : (
        detailsForm
      )}
      <Modal
        visible={deleting}
        onDismiss={() => setDeleting(false)}
        header="Delete protection group"
        footer={<ModalFooter confirm="Delete" onConfirm={() => void remove()} onCancel={() => setDeleting(false)} />}
      >
        Delete <b>{existing?.name}</b>? Plans that use it must drop it first.
      </Modal>
    </ContentLayout>
  );
}
