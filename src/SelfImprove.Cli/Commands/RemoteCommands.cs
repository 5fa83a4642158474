using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SelfImprove.Cli.Commands;

/// <summary>
/// <c>selfimprove run | status | approve | terminate --server URL</c>: the HTTP API from a terminal. The key comes
/// from <c>--key</c> or <c>SELFIMPROVE_API_KEY</c>; the approval link carries its own token.
/// </summary>
public static class RemoteCommands
{
    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true };

    public static IEnumerable<Command> Create(TextWriter output, TextWriter error)
    {
        yield return Run(output, error);
        yield return Status(output, error);
        yield return Report(output, error);
        yield return Approve(output, error);
        yield return Terminate(output, error);
        yield return Demonstrate(output, error);
        yield return HistoryCommand.Create(output, error);
    }

    internal static Option<string> Server() => new("--server") { Description = "The API's base URL, e.g. http://127.0.0.1:7071.", Required = true };

    internal static Option<string?> Key() => ApiKeyOptions.Key($"API key. Default: --key-file, else ${ServeCommand.KeyEnvironmentVariable}.");

    /// <summary>The client of <c>--server</c> with the key of <c>--key</c>, <c>--key-file</c> or the environment.</summary>
    internal static ApiClient Client(ParseResult parse, Option<string> server, Option<string?> key, Option<FileInfo?> keyFile)
    {
        string? resolved;
        try { resolved = ApiKeyOptions.Resolve(parse.GetValue(key), parse.GetValue(keyFile)); }
        catch (ArgumentException e) { throw new ApiException(e.Message, invalidInput: true); }
        return ApiClient.From(parse.GetValue(server)!, resolved);
    }

    private static Command Run(TextWriter output, TextWriter error)
    {
        var server = Server();
        var key = Key();
        var keyFile = ApiKeyOptions.KeyFile();
        var agent = new Option<string>("--agent", "-a") { Description = "The agent to improve.", Required = true };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the run's record)." };
        var wait = new Option<bool>("--wait") { Description = "Follow the run to its end, printing each phase." };
        var command = new Command("run", "Start an improvement run on a server.") { server, key, keyFile, agent, reason, wait };
        command.SetAction((parse, ct) => Guard(error, async () =>
        {
            using var api = Client(parse, server, key, keyFile);
            var started = await api.PostAsync(api.Links.StartRun(parse.GetValue(agent)!), new { reason = parse.GetValue(reason) }, ct);
            var runId = started["id"]!.GetValue<string>();
            output.WriteLine($"started {runId} {started["statusQueryGetUri"]}");
            return parse.GetValue(wait) ? await FollowAsync(api, runId, output, ct) : ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Status(TextWriter output, TextWriter error)
    {
        var server = Server();
        var key = Key();
        var keyFile = ApiKeyOptions.KeyFile();
        var run = new Argument<string>("run-id") { Description = "The run, e.g. support-router-3." };
        var json = new Option<bool>("--json") { Description = "Print the status object as the API returns it." };
        var command = new Command("status", "Show an improvement run: phase, attempts, metrics, and the report once it has ended.") { server, key, keyFile, run, json };
        command.SetAction((parse, ct) => Guard(error, async () =>
        {
            using var api = Client(parse, server, key, keyFile);
            var status = await api.GetAsync(api.Links.Run(parse.GetValue(run)!), ct);
            if (parse.GetValue(json)) output.WriteLine(status.ToJsonString(Pretty));
            else WriteStatus(output, status, printed: 0);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Report(TextWriter output, TextWriter error)
    {
        var server = Server();
        var key = Key();
        var keyFile = ApiKeyOptions.KeyFile();
        var run = new Argument<string>("run-id") { Description = "The run, e.g. support-router-3." };
        var html = new Option<FileInfo>("--html") { Description = "Write the run report here: one self-contained HTML file (the run page, no links to the server).", Required = true };
        var command = new Command("report", "Write an improvement run's report (its timeline, attempts, approval and outcome) as one HTML file.") { server, key, keyFile, run, html };
        command.SetAction((parse, ct) => Guard(error, async () =>
        {
            var file = parse.GetValue(html)!;
            if (file.Directory is { Exists: false } folder)
                throw new ApiException($"--html: the folder {folder.FullName} does not exist; create it or write the file elsewhere.", invalidInput: true);
            using var api = Client(parse, server, key, keyFile);
            var page = await api.GetPageAsync(api.Links.RunReport(parse.GetValue(run)!), ct);
            await File.WriteAllTextAsync(file.FullName, page, ct);
            output.WriteLine($"wrote {file.FullName} ({new FileInfo(file.FullName).Length} bytes)");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Approve(TextWriter output, TextWriter error)
    {
        var target = new Argument<string>("link-or-run-id") { Description = "The URL from the APPROVAL REQUIRED line, or the run id with --server and --token." };
        var server = new Option<string?>("--server") { Description = "With a run id: the API's base URL." };
        var token = new Option<string?>("--token") { Description = "With a run id: the token from the approval link." };
        var reject = new Option<bool>("--reject") { Description = "Reject instead of approving." };
        var approver = new Option<string>("--approver") { Description = "Who decides.", DefaultValueFactory = _ => Environment.UserName };
        var comment = new Option<string?>("--comment") { Description = "Why." };
        var command = new Command("approve", "Approve (or reject) a run that waits for a person, with its approval link's single-use token.")
        {
            target, server, token, reject, approver, comment,
        };
        command.SetAction((parse, ct) => Guard(error, async () =>
        {
            var link = ApprovalLink(parse.GetValue(target)!, parse.GetValue(server), parse.GetValue(token));
            using var api = new ApiClient(new Uri(link.GetLeftPart(UriPartial.Authority) + "/"), key: null);
            var decision = parse.GetValue(reject) ? "reject" : "approve";
            var answer = await api.PostAsync(link.PathAndQuery.TrimStart('/'), new { decision, approver = parse.GetValue(approver), comment = parse.GetValue(comment) }, ct);
            output.WriteLine($"{answer["runId"]} {(decision == "approve" ? "approved" : "rejected")} by {answer["approver"]}; follow it at {answer["statusQueryGetUri"]}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The webhook URL: given whole, or built from the server, the run id and the token.</summary>
    private static Uri ApprovalLink(string target, string? server, string? token)
    {
        if (Uri.TryCreate(target, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            return uri.Query.Contains("token=", StringComparison.Ordinal)
                ? uri
                : throw new ApiException($"'{target}' has no token; copy the whole URL from the APPROVAL REQUIRED line.", invalidInput: true);
        if (server is null || string.IsNullOrWhiteSpace(token))
            throw new ApiException($"approve {target}: give the approval link from the APPROVAL REQUIRED line, or the run id with --server and --token.", invalidInput: true);
        using var api = ApiClient.From(server, key: null);
        return new Uri(api.Links.Approval(target, token));
    }

    private static Command Terminate(TextWriter output, TextWriter error)
    {
        var server = Server();
        var key = Key();
        var keyFile = ApiKeyOptions.KeyFile();
        var run = new Argument<string>("run-id") { Description = "The run to stop." };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the run's history)." };
        var command = new Command("terminate", "Stop a run: its trial ends, the serving version stays, the agent is free for the next run.") { server, key, keyFile, run, reason };
        command.SetAction((parse, ct) => Guard(error, async () =>
        {
            using var api = Client(parse, server, key, keyFile);
            var path = api.Links.Terminate(parse.GetValue(run)!);
            if (parse.GetValue(reason) is { } why) path += $"?reason={Uri.EscapeDataString(why)}";
            var status = await api.PostAsync(path, cancellationToken: ct);
            output.WriteLine($"{status["id"]} {status["runtimeStatus"]}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Demonstrate(TextWriter output, TextWriter error)
    {
        var server = Server();
        var key = Key();
        var keyFile = ApiKeyOptions.KeyFile();
        var run = new Argument<string>("run-id") { Description = "The run that waits for demonstrations." };
        var file = new Option<FileInfo>("--file") { Description = "JSON Lines of { \"text\": ..., \"label\": ... }, one sample a line.", Required = true };
        var by = new Option<string>("--by") { Description = "Who demonstrates (kept as the samples' provenance).", DefaultValueFactory = _ => Environment.UserName };
        var command = new Command("demonstrate", "Send labelled examples to a run whose plan asked people for them.") { server, key, keyFile, run, file, by };
        command.SetAction((parse, ct) => Guard(error, async () =>
        {
            var samples = ReadSamples(parse.GetValue(file)!);
            using var api = Client(parse, server, key, keyFile);
            var runId = parse.GetValue(run)!;
            var answer = await api.PostAsync(api.Links.Demonstrations(runId), new { by = parse.GetValue(by), samples }, ct);
            output.WriteLine($"{answer["samples"]} samples sent to {runId} (attempt {answer["attempt"]})");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static IReadOnlyList<JsonObject> ReadSamples(FileInfo file)
    {
        if (!file.Exists) throw new ApiException($"--file: {file.FullName} does not exist.", invalidInput: true);
        var samples = new List<JsonObject>();
        var number = 0;
        foreach (var line in File.ReadLines(file.FullName))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                var sample = JsonNode.Parse(line) as JsonObject ?? throw new JsonException("not an object");
                samples.Add(new JsonObject { ["text"] = sample["text"]?.GetValue<string>(), ["label"] = sample["label"]?.GetValue<string>() });
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                throw new ApiException($"{file.Name}:{number}: expected {{ \"text\": \"...\", \"label\": \"...\" }} ({e.Message.Split('\n')[0]}).", invalidInput: true);
            }
        }
        return samples.Count > 0 ? samples : throw new ApiException($"--file: {file.Name} holds no samples.", invalidInput: true);
    }

    /// <summary>Polls the run, printing each new phase, until it ends; exit code as for <c>demo</c>.</summary>
    private static async Task<int> FollowAsync(ApiClient api, string runId, TextWriter output, CancellationToken cancellationToken)
    {
        var printed = 0;
        while (true)
        {
            var status = await api.GetAsync(api.Links.Run(runId), cancellationToken);
            printed = WriteStatus(output, status, printed, headline: false);
            var runtime = status["runtimeStatus"]!.GetValue<string>();
            if (status["ended"]?.GetValue<bool>() == true)
            {
                var outcome = status["report"]?["status"]?.GetValue<string>() ?? runtime;
                output.WriteLine($"{runId} {outcome}: {status["report"]?["reason"] ?? status["failure"]}");
                return outcome is "Promoted" or "NotNeeded" ? ExitCodes.Ok : ExitCodes.Failed;
            }
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    private static int WriteStatus(TextWriter output, JsonObject status, int printed, bool headline = true)
    {
        if (headline)
            output.WriteLine($"{status["id"]} ({status["agentId"]}): {status["runtimeStatus"]}, phase {status["phase"]}, attempts {status["attempts"]}" +
                             (status["waitingForApproval"]?.GetValue<bool>() == true ? $", waiting for approval until {status["approvalExpiresAt"]}" : ""));
        var log = status["log"]?.AsArray() ?? [];
        for (; printed < log.Count; printed++)
            output.WriteLine($"{log[printed]!["phase"],-10} attempt {log[printed]!["attempt"]}: {log[printed]!["detail"]}");
        if (headline && status["report"] is JsonObject report) output.WriteLine($"report: {report["status"]}: {report["reason"]}");
        return printed;
    }

    internal static async Task<int> Guard(TextWriter error, Func<Task<int>> action)
    {
        try { return await action(); }
        catch (ApiException e)
        {
            await error.WriteLineAsync(e.Message);
            return e.InvalidInput ? ExitCodes.InvalidInput : ExitCodes.Failed;
        }
    }
}
