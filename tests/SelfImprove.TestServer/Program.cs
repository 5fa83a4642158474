using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Cli;
using SelfImprove.Workflows.Steps;
using SelfImprove.Steps;
using SelfImprove.TestServer;
using SelfImprove.Testing;

// The `selfimprove` command line, for the tests that run `serve` as a child process. With the same arguments it runs
// the same server; only this host reads HeldTrainingStep.HoldFileVariable, which lets a test hold a run in training.
var holdFile = Environment.GetEnvironmentVariable(HeldTrainingStep.HoldFileVariable);
return await SelfImproveCli.RunAsync(args, Console.Out, Console.Error, Console.In, services =>
{
    // Predicted texts embedded once per test run, not once per server (see SharedServingEmbeddings).
    services.UseSharedServingEmbeddings();
    if (holdFile is { Length: > 0 })
        services.AddSingleton<ITrainingStep>(sp => new HeldTrainingStep(ActivatorUtilities.CreateInstance<TrainingStep>(sp), holdFile));
});
