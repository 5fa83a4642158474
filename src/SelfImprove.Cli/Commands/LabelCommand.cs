using System.CommandLine;
using System.Text.Json.Nodes;

namespace SelfImprove.Cli.Commands;

/// <summary>
/// <c>selfimprove label --server URL --agent A [--by NAME]</c>: walks a person through the agent's labelling queue at
/// the terminal. Each item shows its text and the model's numbered guesses; one answer per item: a guess's number,
/// an intent's name, <c>s</c> to skip it, <c>q</c> to stop. Every label is posted at once, so stopping loses nothing.
/// </summary>
public static class LabelCommand
{
    public static Command Create(TextWriter output, TextWriter error, TextReader input)
    {
        var server = RemoteCommands.Server();
        var key = RemoteCommands.Key();
        var keyFile = ApiKeyOptions.KeyFile();
        var agent = new Option<string>("--agent", "-a") { Description = "Whose queue to label.", Required = true };
        var by = new Option<string>("--by") { Description = "Who labels (kept with each label). Default: $USER." };
        var command = new Command("label", "Label the requests in an agent's labelling queue, one keystroke per item.") { server, key, keyFile, agent, by };
        command.SetAction((parse, ct) => RemoteCommands.Guard(error, async () =>
        {
            using var api = RemoteCommands.Client(parse, server, key, keyFile);
            var agentId = parse.GetValue(agent)!;
            var who = parse.GetValue(by) ?? Environment.GetEnvironmentVariable("USER") ?? Environment.UserName;
            var queue = await api.GetAsync(api.Links.Labelling(agentId, limit: 500), ct);
            var labels = queue["labels"]!.AsArray().Select(l => l!.GetValue<string>()).ToArray();
            var items = queue["items"]!.AsArray().Select(i => i!.AsObject()).ToArray();
            if (items.Length == 0)
            {
                output.WriteLine($"Nothing to label: the queue of {agentId} is empty.");
                return ExitCodes.Ok;
            }

            var (labelled, skipped) = (0, 0);
            for (var index = 0; index < items.Length; index++)
            {
                var item = items[index];
                var guesses = item["guesses"]!.AsArray().Select(g => g!["intent"]!.GetValue<string>()).ToArray();
                WriteItem(output, item, guesses, index + 1, items.Length, labelled);
                var label = Ask(output, input, guesses, labels);
                if (label is null) break;
                if (label.Length == 0)
                {
                    skipped++;
                    continue;
                }
                var itemId = item["itemId"]!.GetValue<string>();
                try
                {
                    await api.PostAsync(api.Links.LabellingItem(agentId, itemId), new { label, by = who }, ct);
                    labelled++;
                    output.WriteLine($"  -> {label}");
                }
                catch (ApiException conflict) when (conflict.Message.StartsWith("409", StringComparison.Ordinal))
                {
                    output.WriteLine($"  someone labelled it first: {conflict.Message}");
                }
            }
            output.WriteLine($"Labelled {labelled}, skipped {skipped}, {items.Length - labelled - skipped} left in the queue of {agentId}.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void WriteItem(TextWriter output, JsonObject item, string[] guesses, int position, int count, int labelled)
    {
        output.WriteLine();
        output.WriteLine($"[{position}/{count}, {labelled} labelled] {item["text"]!.GetValue<string>()}");
        output.WriteLine($"  why: {item["reason"]?.GetValue<string>()}");
        var probabilities = item["guesses"]!.AsArray();
        for (var i = 0; i < guesses.Length; i++)
            output.WriteLine($"  {i + 1}) {guesses[i]} ({probabilities[i]!["probability"]!.GetValue<double>():0.00})");
    }

    /// <summary>The label chosen; "" to skip; null to stop (q, or the end of the input).</summary>
    private static string? Ask(TextWriter output, TextReader input, string[] guesses, string[] labels)
    {
        while (true)
        {
            output.Write($"  label [1-{Math.Max(1, guesses.Length)}, an intent's name, s skip, q quit]: ");
            var answer = input.ReadLine()?.Trim();
            if (answer is null or "q") return null;
            if (answer is "s" or "") return "";
            if (int.TryParse(answer, out var n) && n >= 1 && n <= guesses.Length) return guesses[n - 1];
            if (labels.Contains(answer, StringComparer.Ordinal)) return answer;
            var near = labels.Where(l => l.Contains(answer, StringComparison.OrdinalIgnoreCase)).Take(5).ToArray();
            output.WriteLine(near.Length > 0 ? $"  '{answer}' is not an intent; did you mean {string.Join(", ", near)}?" : $"  '{answer}' is not an intent of this agent.");
        }
    }
}
