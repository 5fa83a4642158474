using System.CommandLine;

namespace SelfImprove.Cli.Commands;

/// <summary>
/// <c>selfimprove predict --manifest M "text"</c>: intent, probability, action, the version that answered and the request id.
/// Without <c>--version</c> the requests go through the serving path (the A/B split while a trial runs) and are kept in the
/// agent's traffic log in the store, like any answer; <c>--version V</c> probes one version and logs nothing.
/// </summary>
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
            var inputs = parse.GetValue(texts)!;
            var actions = workspace.Manifest.Labels.ToDictionary(l => l.Name, l => l.Action);
            var table = new TextTable("text", "intent", "probability", "margin", "action", "version", "request");
            if (requested is null)
            {
                if (await workspace.Registry.GetServingAsync(agentId, cancellationToken) is null)
                    throw new InvalidOperationException($"Agent '{agentId}' has no serving version yet. Train one with 'selfimprove train --manifest <file>'.");
                var answers = await workspace.Router.PredictAsync(agentId, inputs.Select(t => new Steps.PredictInput(t)).ToArray(), cancellationToken);
                await workspace.Traffic.FlushAsync(cancellationToken);
                for (var i = 0; i < inputs.Length; i++)
                {
                    var p = answers[i].Prediction;
                    table.Add(inputs[i], p.Intent, p.Probability, p.Margin, answers[i].Action, answers[i].VersionId, answers[i].RequestId);
                }
            }
            else
            {
                var classifier = await workspace.Models.LoadAsync(agentId, requested, cancellationToken);
                var predictions = classifier.Predict(inputs, cancellationToken);
                for (var i = 0; i < inputs.Length; i++)
                    table.Add(inputs[i], predictions[i].Intent, predictions[i].Probability, predictions[i].Margin, actions[predictions[i].Intent], classifier.VersionId, "-");
            }
            table.WriteTo(output);
            return ExitCodes.Ok;
        });
        return command;
    }
}
