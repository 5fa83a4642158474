using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SelfImprove.Testing;

namespace SelfImprove.Infra.Tests;

/// <summary>infra/main.bicep, compiled and linted by the real Bicep compiler (restored from NuGet by this project).</summary>
public sealed partial class BicepTemplateTests
{
    private static readonly string Template = Path.Combine(RepositoryPaths.Root, "infra", "main.bicep");

    /// <summary>One compilation of the template (ARM JSON on stdout), shared by the tests that read it.</summary>
    private static readonly Lazy<Task<(int Exit, string Output, string Error)>> Built = new(() => BicepAsync("build", Template, "--stdout"));

    [Fact]
    public async Task The_template_and_its_parameters_build_without_errors_or_linter_warnings()
    {
        var (exit, output, error) = await Built.Value;
        Assert.True(exit == 0, error);
        Assert.True(error.Trim().Length == 0, $"the compiler warned:\n{error}");
        var arm = JsonNode.Parse(output)!;
        Assert.Contains(arm["resources"]!.AsArray(), r => r!["type"]!.GetValue<string>() == "Microsoft.Web/sites");

        var (lintExit, _, lintError) = await BicepAsync("lint", Template);
        Assert.True(lintExit == 0 && lintError.Trim().Length == 0, lintError);
        var (paramsExit, _, paramsError) = await BicepAsync("build-params", Path.Combine(RepositoryPaths.Root, "infra", "main.bicepparam"), "--stdout");
        Assert.True(paramsExit == 0, paramsError);
    }

    [Fact]
    public void The_deployed_app_gets_every_setting_the_local_sample_configures()
    {
        var sample = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "local.settings.sample.json")))!["Values"]!.AsObject()
            .Select(v => v.Key)
            // The runtime comes from the plan's runtime block; OpenAI settings are added when deployOpenAI is set.
            .Where(k => k != "FUNCTIONS_WORKER_RUNTIME" && !k.StartsWith("SelfImprove__OpenAI__", StringComparison.Ordinal));
        var deployed = SettingName().Matches(File.ReadAllText(Template)).Select(m => m.Groups[1].Value).ToHashSet();

        Assert.All(sample, setting => Assert.Contains(setting, deployed));
    }

    [Fact]
    public async Task The_gpu_training_worker_is_a_queue_triggered_job_on_a_serverless_gpu_profile_with_least_privilege()
    {
        var (exit, output, error) = await Built.Value;
        Assert.True(exit == 0, error);
        var resources = JsonNode.Parse(output)!["resources"]!.AsArray().Select(r => r!).ToArray();
        JsonNode Single(string type) => Assert.Single(resources, r => r["type"]!.GetValue<string>() == type);

        var gpuProfile = Assert.Single(Single("Microsoft.App/managedEnvironments")["properties"]!["workloadProfiles"]!.AsArray(),
            p => p!["workloadProfileType"]!.ToString() == "[parameters('trainingWorkerGpuProfile')]")!;
        var profiles = JsonNode.Parse(output)!["parameters"]!["trainingWorkerGpuProfile"]!["allowedValues"]!.AsArray().Select(v => v!.GetValue<string>());
        Assert.All(profiles, p => Assert.StartsWith("Consumption-GPU-", p));

        var job = Single("Microsoft.App/jobs")["properties"]!;
        Assert.Equal(gpuProfile["name"]!.ToString(), job["workloadProfileName"]!.ToString());
        var configuration = job["configuration"]!;
        Assert.Equal("Event", configuration["triggerType"]!.GetValue<string>());
        var rule = Assert.Single(configuration["eventTriggerConfig"]!["scale"]!["rules"]!.AsArray())!;
        Assert.Equal("azure-queue", rule["type"]!.GetValue<string>());
        Assert.Equal("[parameters('trainingQueueName')]", rule["metadata"]!["queueName"]!.GetValue<string>());
        Assert.Equal("1", rule["metadata"]!["queueLength"]!.GetValue<string>());

        var container = Assert.Single(job["template"]!["containers"]!.AsArray())!;
        Assert.Equal(["train-worker", "--once"], container["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        var env = container["env"]!.AsArray().Select(e => e!["name"]!.GetValue<string>()).ToArray();
        // Keyless: the service URLs and the identity's client id, no connection string.
        Assert.DoesNotContain("AzureWebJobsStorage", env);
        Assert.Contains("AzureWebJobsStorage__blobServiceUri", env);
        Assert.Contains("AzureWebJobsStorage__queueServiceUri", env);
        Assert.Contains("AZURE_CLIENT_ID", env);
        Assert.Contains("SelfImprove__ArtifactContainer", env);
        Assert.Contains("clientId", container["env"]!.AsArray().Single(e => e!["name"]!.GetValue<string>() == "AZURE_CLIENT_ID")!["value"]!.ToString());
        Assert.Contains("primaryEndpoints.queue", container["env"]!.AsArray().Single(e => e!["name"]!.GetValue<string>() == "AzureWebJobsStorage__queueServiceUri")!["value"]!.ToString());
        Assert.Contains("SELFIMPROVE_TRAINING_QUEUE", env);
        Assert.Contains("SELFIMPROVE_AGENTS", env);
        // The worker reads the store of the function app's hub: the template's default is host.json's.
        var hubName = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "host.json")))!["extensions"]!["durableTask"]!["hubName"]!.GetValue<string>();
        Assert.Equal(hubName, JsonNode.Parse(output)!["parameters"]!["taskHubName"]!["defaultValue"]!.GetValue<string>());

        // The worker identity gets exactly the two data roles it needs, on the storage account.
        var workerRoles = resources
            .Where(r => r["type"]!.GetValue<string>() == "Microsoft.Authorization/roleAssignments"
                        && r["properties"]!["principalId"]!.ToString().Contains("userAssignedIdentities", StringComparison.Ordinal))
            .Select(r => r["properties"]!["roleDefinitionId"]!.ToString())
            .ToArray();
        Assert.Equal(2, workerRoles.Length);
        Assert.Contains(workerRoles, id => id.Contains("storageQueueDataContributor", StringComparison.Ordinal));
        Assert.Contains(workerRoles, id => id.Contains("storageBlobDataContributor", StringComparison.Ordinal));
        var variables = JsonNode.Parse(output)!["variables"]!;
        Assert.Equal("974c5e8b-45b9-4653-ba55-5f855dd0fb88", variables["storageQueueDataContributor"]!.GetValue<string>());
        Assert.Equal("ba92f5b4-2d11-453d-a403-e96b0029c9fe", variables["storageBlobDataContributor"]!.GetValue<string>());

        Assert.Contains(resources, r => r["type"]!.GetValue<string>() == "Microsoft.Storage/storageAccounts/queueServices/queues"
                                        && r["name"]!.ToString().Contains("trainingQueueName", StringComparison.Ordinal));
    }

    private static async Task<(int Exit, string Output, string Error)> BicepAsync(params string[] arguments)
    {
        var bicep = typeof(BicepTemplateTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepPath").Value!;
        Assert.True(File.Exists(bicep), $"the Bicep compiler is not at {bicep}; restore this project.");
        // The package is Linux-only (linux-x64), as are the machines that run these tests.
        if (OperatingSystem.IsLinux()) File.SetUnixFileMode(bicep, File.GetUnixFileMode(bicep) | UnixFileMode.UserExecute);
        var start = new ProcessStartInfo(bicep) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // Bicep needs ICU unless told otherwise; the build machines may not have it.
        start.Environment["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    [GeneratedRegex(@"name: '((?:SelfImprove__|AzureWebJobs|APPLICATIONINSIGHTS_)[A-Za-z_]+)'")]
    private static partial Regex SettingName();
}
