using System.CommandLine;

namespace SelfImprove.Cli.Commands;

/// <summary><c>selfimprove predict --manifest M "text"</c>: intent, probability and the version that answered.</summary>
public static class PredictCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var manifest = CliOptions.Manifest();
        var store = CliOptions.Store();
        var version = CliOptions.Version();
        var texts = new Argument<string[]>("text") { Description = "One or more requests to route.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("predict", "Route requests with the serving version (or --version) and show intent, probability and action.")
        {
            manifest, store, version, texts,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var workspace = AgentWorkspace.Open(parse.GetValue(manifest)!, parse.GetValue(store)!);
            var agentId = workspace.Manifest.AgentId;
            var requested = parse.GetValue(version);
            var classifier = requested is null
                ? await workspace.Models.LoadServingAsync(agentId, cancellationToken)
                : await workspace.Models.LoadAsync(agentId, requested, cancellationToken);
            var inputs = parse.GetValue(texts)!;
            var predictions = classifier.Predict(inputs, cancellationToken);
            var actions = workspace.Manifest.Labels.ToDictionary(l => l.Name, l => l.Action);
            var table = new TextTable("text", "intent", "probability", "margin", "action", "version");
            for (var i = 0; i < inputs.Length; i++)
                table.Add(inputs[i], predictions[i].Intent, predictions[i].Probability, predictions[i].Margin, actions[predictions[i].Intent], classifier.VersionId);
            table.WriteTo(output);
            return ExitCodes.Ok;
        });
        return command;
    }
}
