using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SelfImprove.Cli.Commands;

/// <summary>
/// <c>selfimprove history --server URL --agent A [--json]</c>: the agent's promotion ledger
/// (<c>GET /api/agents/{id}/deployments</c>), newest first, one change a line: when, what, the serving version (and the
/// one before), the run, the approval, the trial's estimate and bounds, and why.
/// </summary>
internal static class HistoryCommand
{
    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true };

    public static Command Create(TextWriter output, TextWriter error)
    {
        var server = RemoteCommands.Server();
        var key = RemoteCommands.Key();
        var keyFile = ApiKeyOptions.KeyFile();
        var agent = new Option<string>("--agent", "-a") { Description = "The agent whose deployments to show.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the ledger as the API returns it." };
        var command = new Command("history", "Show an agent's promotion ledger, newest first: every promotion, rollback and initial version, with its trial and why.")
            { server, key, keyFile, agent, json };
        command.SetAction((parse, ct) => RemoteCommands.Guard(error, async () =>
        {
            using var api = RemoteCommands.Client(parse, server, key, keyFile);
            var ledger = await api.GetAsync(api.Links.Deployments(parse.GetValue(agent)!), ct);
            if (parse.GetValue(json))
            {
                output.WriteLine(ledger.ToJsonString(Pretty));
                return ExitCodes.Ok;
            }
            var records = ledger["deployments"]?.AsArray() ?? [];
            if (records.Count == 0) output.WriteLine($"{parse.GetValue(agent)}: nothing recorded yet (no version has served).");
            foreach (var record in records.OfType<JsonObject>()) output.WriteLine(Line(record));
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>One change: <c>2026-11-30 15:10:03Z  promoted        v2 (was v1)  run support-router-1  approved by ana  …  reason</c>.</summary>
    private static string Line(JsonObject record)
    {
        var at = record["at"]?.GetValue<DateTimeOffset>().UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'") ?? "?";
        var parts = new List<string> { at, $"{(string?)record["change"],-15}", $"{(string?)record["servingVersionId"]}" + (record["previousVersionId"] is { } previous ? $" (was {(string?)previous})" : "") };
        if ((string?)record["candidateVersionId"] is { } candidate && candidate != (string?)record["servingVersionId"]) parts.Add($"candidate {candidate}");
        if ((string?)record["runId"] is { } run) parts.Add($"run {run}");
        if (record["approval"] is JsonObject approval)
            parts.Add(approval["by"] is { } by ? $"{((string?)approval["decision"])?.ToLowerInvariant()} by {(string?)by}" : $"approval {(string?)approval["decision"]}");
        parts.Add($"by {(string?)record["by"]}");
        parts.Add((string?)record["reason"] ?? "");
        return string.Join("  ", parts);
    }
}
