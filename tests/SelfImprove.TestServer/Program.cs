using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Cli;
using SelfImprove.Workflows.Steps;
using SelfImprove.Steps;
using SelfImprove.TestServer;
using SelfImprove.Testing;

// The `selfimprove` command line, for the tests that run `serve` as a child process. With the same arguments it runs
// the same server; only this host reads HeldTrainingStep.HoldFileVariable, which lets a test hold a run in training, and
// FailingTrainingStep.AgentVariable, which makes one agent's training throw.
var holdFile = Environment.GetEnvironmentVariable(HeldTrainingStep.HoldFileVariable);
var failingAgent = Environment.GetEnvironmentVariable(FailingTrainingStep.AgentVariable);
return await SelfImproveCli.RunAsync(args, Console.Out, Console.Error, Console.In, services =>
{
    // Predicted texts embedded once per test run, not once per server (see SharedServingEmbeddings).
    services.UseSharedServingEmbeddings();
    if (holdFile is { Length: > 0 } || failingAgent is { Length: > 0 })
        services.AddSingleton<ITrainingStep>(sp =>
        {
            ITrainingStep training = ActivatorUtilities.CreateInstance<TrainingStep>(sp);
            if (holdFile is { Length: > 0 }) training = new HeldTrainingStep(training, holdFile);
            return failingAgent is { Length: > 0 } ? new FailingTrainingStep(training, failingAgent) : training;
        });
});
