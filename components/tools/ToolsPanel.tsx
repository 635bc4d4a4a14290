"use client";

import { isValidMcpUrl } from "@/lib/tools-state";
import { useToolsStore } from "@/stores/tools-store";

import { Section, Switch, TextField } from "./controls";
import { CountryPicker } from "./CountryPicker";
import { FunctionsList } from "./FunctionsList";
import { GoogleSection } from "./GoogleSection";
import { VectorStoreSection } from "./VectorStoreSection";

export function ToolsPanel() {
  const s = useToolsStore();
  const location = s.webSearchConfig.user_location;
  const mcp = s.mcpConfig;
  const urlError = mcp.server_url.trim() && !isValidMcpUrl(mcp.server_url) ? "Enter an https:// URL." : null;

  return (
    <div className="text-sm">
      <Section title="Web search">
        <Switch
          label="Web search"
          checked={s.webSearchEnabled}
          onChange={(on) => s.setSwitch("webSearchEnabled", on)}
          description="Search the web for current information."
        />
        {s.webSearchEnabled ? (
          <fieldset className="space-y-2">
            <legend className="text-xs text-zinc-500">Approximate location (optional)</legend>
            <CountryPicker value={location.country} onChange={(code) => s.setLocation("country", code)} />
            <TextField label="Region" value={location.region} onChange={(v) => s.setLocation("region", v)} />
            <TextField label="City" value={location.city} onChange={(v) => s.setLocation("city", v)} />
          </fieldset>
        ) : null}
      </Section>

      <Section title="File search">
        <Switch
          label="File search"
          checked={s.fileSearchEnabled}
          onChange={(on) => s.setSwitch("fileSearchEnabled", on)}
          description="Search files you upload into a vector store."
        />
        {s.fileSearchEnabled ? (
          <>
            {!s.vectorStore ? (
              <p className="text-xs text-amber-800">File search is used once a vector store is linked.</p>
            ) : null}
            <VectorStoreSection />
          </>
        ) : null}
      </Section>

      <Section title="Code interpreter">
        <Switch
          label="Code interpreter"
          checked={s.codeInterpreterEnabled}
          onChange={(on) => s.setSwitch("codeInterpreterEnabled", on)}
          description="Let the model write and run Python, and make files."
        />
      </Section>

      <Section title="Functions">
        <Switch
          label="Functions"
          checked={s.functionsEnabled}
          onChange={(on) => s.setSwitch("functionsEnabled", on)}
          description="Functions this app runs for the model."
        />
        {s.functionsEnabled ? <FunctionsList /> : null}
      </Section>

      <Section title="MCP">
        <Switch
          label="MCP"
          checked={s.mcpEnabled}
          onChange={(on) => s.setSwitch("mcpEnabled", on)}
          description="Tools of a remote MCP server."
        />
        {s.mcpEnabled ? (
          <div className="space-y-2">
            <TextField
              label="Server label"
              value={mcp.server_label}
              placeholder="deepwiki"
              onChange={(v) => s.setMcpConfig({ server_label: v })}
              error={mcp.server_url.trim() && !mcp.server_label.trim() ? "A label is needed." : null}
            />
            <TextField
              label="Server URL"
              type="url"
              value={mcp.server_url}
              placeholder="https://example.com/mcp"
              onChange={(v) => s.setMcpConfig({ server_url: v })}
              error={urlError}
            />
            <TextField
              label="Allowed tools"
              value={mcp.allowed_tools}
              placeholder="tool_one, tool_two"
              hint="Comma-separated; empty allows every tool."
              onChange={(v) => s.setMcpConfig({ allowed_tools: v })}
            />
            <label className="flex items-center gap-2 text-sm">
              <input
                type="checkbox"
                checked={mcp.skip_approval}
                onChange={(e) => s.setMcpConfig({ skip_approval: e.target.checked })}
                className="h-4 w-4 accent-sky-700"
              />
              Skip approval
            </label>
          </div>
        ) : null}
      </Section>

      <Section title="Google">
        <GoogleSection />
      </Section>
    </div>
  );
}
