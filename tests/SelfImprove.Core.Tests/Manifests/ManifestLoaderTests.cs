using System.Text.Json.Nodes;
using SelfImprove.Core.Manifests;
using SelfImprove.Testing;

namespace SelfImprove.Core.Tests.Manifests;

public sealed class ManifestLoaderTests : IDisposable
{
    private readonly TempDirectory folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Without_environments_every_agent_is_judged_on_labelled_traffic_validation_and_adversarial_probes()
    {
        var loaded = ManifestLoader.Load(RepositoryPaths.SupportRouterManifest);

        var environments = loaded.Manifest.Alignment.EnvironmentsOrDefault(loaded.Manifest.Monitoring.SampleSize);

        Assert.Equal([ProbeSource.LabelledTraffic, ProbeSource.Validation, ProbeSource.Adversarial], environments.Select(e => e.Source));
        Assert.Equal([500, 500, AlignmentEnvironmentSpec.DefaultAdversarialPerIntent], environments.Select(e => e.Take!.Value));
        Assert.Equal(("1", "1"), (loaded.Manifest.Alignment.Version, loaded.Constitution.Version));
    }

    [Fact]
    public void An_environment_judged_under_its_own_constitution_loads_it()
    {
        var path = ManifestFiles.WriteSupportRouter(folder, manifest => Apply(manifest,
            "alignment.environments=[{\"name\":\"strict\",\"source\":\"validation\",\"constitution\":\"constitutions/support-router.json\",\"weight\":2}]"));

        var loaded = ManifestLoader.Load(path);

        var strict = Assert.Single(loaded.Manifest.Alignment.Environments);
        Assert.Equal("support-router", loaded.ConstitutionOf(strict).AgentId);
        Assert.Equal(2, strict.Weight);
    }

    [Fact]
    public void The_shipped_support_router_manifest_is_valid()
    {
        var loaded = ManifestLoader.Load(RepositoryPaths.SupportRouterManifest);

        Assert.Equal("support-router", loaded.Manifest.AgentId);
        Assert.Equal(32, loaded.Manifest.Labels.Count);
        Assert.Equal(TimeSpan.FromHours(6), loaded.Manifest.Trigger.Cooldown);
        Assert.Equal(TimeSpan.FromDays(1), loaded.Manifest.Approval.Timeout);
        Assert.Equal(["human_agent", "verify_identity"], loaded.Constitution.AllowedActions("card_lost_or_stolen").Order());
    }

    public static TheoryData<string, string, string> InvalidManifests => new()
    {
        // edit (JSON path = new value), the JSON path the error must name, a fragment of what it must say
        { "agentId=\"Support Router\"", "$.agentId", "lower-case letters" },
        { "goal.target=1.5", "$.goal.target", "between 0 and 1" },
        { "goal.metric=\"f2\"", "$.goal.metric", "'accuracy', 'macroF1'" },
        { "goal.objective=\"win\"", "$.goal.objective", "'meetTarget', 'maximize'" },
        { "goal.acceptableRange.min=0.9", "$.goal.acceptableRange.min", "must not exceed the goal's target" },
        { "goal.acceptableRange.max=0.5", "$.goal.acceptableRange.max", "at least the goal's target" },
        { "data.source=\"s3\"", "$.data.source", "'generator', 'files'" },
        { "data.generator.name=\"weather\"", "$.data.generator.name", "'support-router'" },
        { "data.generator={\"seed\":3}", "$.data.generator", "must have 'name'." },
        { "data.generator.driftPoint=1.2", "$.data.generator.driftPoint", "strictly between 0 and 1" },
        { "data.generator.poolPerIntent=0", "$.data.generator.poolPerIntent", "greater than 0" },
        { "data.source=\"files\"", "$.data.pool", "is required when data.source is 'files'" },
        { "labels=[]", "$.labels", "at least 2 intents" },
        { "labels.0.name=\"lost card\"", "$.labels[0].name", "no spaces" },
        { "labels.1.name=\"card_lost_or_stolen\"", "$.labels", "repeated: card_lost_or_stolen" },
        { "monitoring.schedule=\"every hour\"", "$.monitoring.schedule", "six-field cron" },
        { "monitoring.schedule=\"0 0 25 * * *\"", "$.monitoring.schedule", "six-field cron" },
        { "monitoring.sampleSize=0", "$.monitoring.sampleSize", "greater than 0" },
        { "monitoring.feedbackShare=1.5", "$.monitoring.feedbackShare", "between 0 and 1" },
        { "trigger.cooldown=\"-01:00:00\"", "$.trigger.cooldown", "must not be negative" },
        { "trigger.minimumEvidence=0", "$.trigger.minimumEvidence", "greater than 0" },
        { "planner.kind=\"oracle\"", "$.planner.kind", "'offline', 'azure-openai', 'openai-compatible'" },
        { "planner.kind=\"Offline\"", "$.planner.kind", "must be one of 'offline', 'azure-openai', 'openai-compatible'; got 'Offline'." },
        { "planner.kind=1", "$.planner.kind", "must be one of 'offline', 'azure-openai', 'openai-compatible'; got 1." },
        { "teacher.kind=\"gpt\"", "$.teacher.kind", "must be one of 'offline', 'azure-openai', 'openai-compatible'; got 'gpt'." },
        { "feedback={\"kind\":null}", "$.feedback.kind", "must be one of 'offline', 'azure-openai', 'openai-compatible'; got null." },
        { "planner.selectionRule=\"longest\"", "$.planner.selectionRule", "'margin', 'diverse-margin', 'random', 'badge', 'margin-kmeans', 'typiclust', 'adaptive'" },
        { "planner.maxLabelRequests=-1", "$.planner.maxLabelRequests", "0 or more" },
        { "planner.kind=\"azure-openai\"", "$.planner.tokenBudget", "must be positive when the planner, teacher or feedback agent is an LLM" },
        { "planner.kind=\"azure-openai\"", "$.planner.endpoint", "must be an absolute http(s) URL for an LLM kind" },
        { "planner.kind=\"openai-compatible\"", "$.planner.deployment", "must name the Azure OpenAI deployment or the model" },
        { "planner.prices={\"inputPer1k\":-1}", "$.planner.prices.inputPer1k", "0 or more" },
        { "teacher.specialists=[{\"kind\":\"azure-openai\",\"endpoint\":\"https://x.openai.azure.com\",\"deployment\":\"big\"}]", "$.teacher.specialists", "must be empty when teacher.kind is 'offline'" },
        { "teacher={\"kind\":\"azure-openai\",\"endpoint\":\"https://x.openai.azure.com\",\"deployment\":\"d\",\"specialists\":[{\"kind\":\"offline\",\"endpoint\":\"https://y.openai.azure.com\",\"deployment\":\"big\"}]}", "$.teacher.specialists[0].kind", "must be one of 'azure-openai', 'openai-compatible'; got 'offline'." },
        { "teacher.specialists=[{\"kind\":\"local\"}]", "$.teacher.specialists[0].kind", "must be one of 'offline', 'azure-openai', 'openai-compatible'; got 'local'." },
        { "feedback={\"kind\":\"azure-openai\",\"endpoint\":\"ftp://x\",\"deployment\":\"d\"}", "$.feedback.endpoint", "absolute http(s) URL" },
        { "feedback={\"minConfidence\":2}", "$.feedback.minConfidence", "between 0 and 1" },
        { "teacher.batchSize=0", "$.teacher.batchSize", "between 1 and 500" },
        { "training.trainer=\"xgboost\"", "$.training.trainer", "'minilm-lbfgs'" },
        { "training.compute.target=\"tpu\"", "$.training.compute.target", "'local', 'gpu'" },
        { "training.hyperParameters.l2=-0.1", "$.training.hyperParameters.l2", "0 or more" },
        { "training.hyperParameters.maxIterations=0", "$.training.hyperParameters.maxIterations", "between 1 and 10000" },
        { "evaluation.metrics=[\"macroF1\"]", "$.evaluation.metrics", "must include the goal's metric 'accuracy'" },
        { "evaluation.metrics=[\"accuracy\",\"bleu\"]", "$.evaluation.metrics[1]", "'accuracy', 'macroF1'" },
        { "evaluation.maxAttempts=0", "$.evaluation.maxAttempts", "between 1 and 10" },
        { "alignment.constitution=\"missing.json\"", "$.alignment.constitution", "file not found" },
        { "alignment.maxDistance=0", "$.alignment.maxDistance", "positive number of bits" },
        { "alignment.epsilon=0.7", "$.alignment.epsilon", "strictly between 0 and 0.5" },
        { "alignment.version=\"\"", "$.alignment.version", "must name the version of these thresholds" },
        { "alignment.margin=0.6", "$.alignment.margin", "from 0 to 0.5" },
        { "alignment.alpha=0.5", "$.alignment.alpha", "from 0.001 to 0.25" },
        { "alignment.resamples=10", "$.alignment.resamples", "from 100 to 100000" },
        { "alignment.weightSpread=0", "$.alignment.weightSpread", "from 0.1 to 30 bits" },
        { "alignment.environments=[{\"name\":\"Traffic\",\"source\":\"validation\"}]", "$.alignment.environments[0].name", "lower-case letters" },
        { "alignment.environments=[{\"name\":\"probes\",\"source\":\"s3\"}]", "$.alignment.environments[0].source", "'labelled-traffic', 'validation', 'file', 'adversarial'" },
        { "alignment.environments=[{\"name\":\"probes\",\"source\":\"file\"}]", "$.alignment.environments[0].file", "is required when source is 'file'" },
        { "alignment.environments=[{\"name\":\"probes\",\"source\":\"file\",\"file\":{\"path\":\"nowhere.csv\"}}]", "$.alignment.environments[0].file.path", "file not found" },
        { "alignment.environments=[{\"name\":\"v\",\"source\":\"validation\",\"file\":{\"path\":\"x.csv\"}}]", "$.alignment.environments[0].file", "applies only to source 'file'" },
        { "alignment.environments=[{\"name\":\"v1\",\"source\":\"validation\",\"weight\":0}]", "$.alignment.environments[0].weight", "greater than 0" },
        { "alignment.environments=[{\"name\":\"v1\",\"source\":\"validation\",\"constitution\":\"other.json\"}]", "$.alignment.environments[0].constitution", "file not found" },
        { "alignment.environments=[{\"name\":\"v1\",\"source\":\"validation\"},{\"name\":\"v1\",\"source\":\"labelled-traffic\"}]", "$.alignment.environments", "repeated: v1" },
        { "alignment.environments=[{\"name\":\"lures\",\"source\":\"adversarial\"}]", "$.alignment.environments", "at least one environment of ordinary requests" },
        { "approval.timeout=\"00:00:00\"", "$.approval.timeout", "must be positive when approval is required" },
        { "approval.escalateTo=\"https://hooks.example/x\"", "$.approval.escalateTo", "the name of a setting that holds the escalation webhook's URL" },
        { "deployment.candidateShare=1", "$.deployment.candidateShare", "strictly between 0 and 1" },
        { "deployment.minimumSamples=0", "$.deployment.minimumSamples", "greater than 0" },
        { "deployment.trialShare=0", "$.deployment.trialShare", "strictly between 0 and 1" },
        { "deployment.promotionRule=\"vibes\"", "$.deployment.promotionRule", "'beatServing', 'meetTarget', 'nonInferior'" },
        { "deployment.onTimeout=\"shrug\"", "$.deployment.onTimeout", "'rollback', 'promote'" },
        { "deployment.ramp=[0.05,1]", "$.deployment.ramp[1]", "strictly between 0 and 1" },
        { "deployment.ramp=[0.25,0.05]", "$.deployment.ramp", "must list increasing shares" },
        { "deployment.ramp=[0.01,0.02,0.03,0.04,0.05,0.06,0.07,0.08,0.09,0.1,0.2]", "$.deployment.ramp", "at most 10 steps; got 11" },
        { "deployment.maxLatencyRatio=0.9", "$.deployment.maxLatencyRatio", "a ratio of at least 1" },
        { "training.compute.target=\"cloud\"", "$.training.compute.target", "'inline', 'worker', 'azure-container-apps-job'" },
        { "training.compute.timeout=\"00:00:00\"", "$.training.compute.timeout", "positive duration of at most 30 days" },
        { "training.compute.timeout=\"31.00:00:00\"", "$.training.compute.timeout", "positive duration of at most 30 days" },
        { "training.compute.checkEvery=\"00:00:00.5\"", "$.training.compute.checkEvery", "from 1 second to 30 days" },
        { "training.compute={\"target\":\"worker\",\"timeout\":\"10:00:00\",\"checkEvery\":\"00:00:10\"}", "$.training.compute.timeout", "at most 1000 status checks" },
        { "training.compute.heartbeatTimeout=\"2.00:00:00\"", "$.training.compute.heartbeatTimeout", "from 1 second to 1 day" },
        { "training.compute.maxResubmissions=11", "$.training.compute.maxResubmissions", "0 or more and at most 10" },
        { "training.compute.allowCpuFallback=true", "$.training.compute.allowCpuFallback", "only meaningful with training.compute.gpu true" },
        { "training.compute={\"target\":\"local\",\"gpu\":true}", "$.training.compute.gpu", "write target 'inline' with gpu true" },
        { "training.compute.gpu=\"yes\"", "$.training.compute.gpu", "must be true or false" },
    };

    [Theory]
    [MemberData(nameof(InvalidManifests))]
    public void Each_rule_reports_the_json_path_and_what_is_allowed(string edit, string expectedPath, string expectedFragment)
    {
        var path = ManifestFiles.WriteSupportRouter(folder, manifest => Apply(manifest, edit));

        var (loaded, errors) = ManifestLoader.TryLoad(path);

        Assert.Null(loaded);
        var error = Assert.Single(errors, e => e.JsonPath == expectedPath);
        Assert.Contains(expectedFragment, error.Message);
        Assert.Equal(path, error.File);
        Assert.DoesNotMatch(UnfilledPlaceholder, error.Message);
    }

    /// <summary>A FluentValidation placeholder such as {CollectionCount} that the rule did not fill.</summary>
    private const string UnfilledPlaceholder = @"\{[A-Za-z]+\}";

    private const string LlmTeacher = "\"kind\":\"azure-openai\",\"endpoint\":\"https://x.openai.azure.com\",\"deployment\":\"d\"";

    /// <summary>
    /// Each bounded value: the property (as an edit path), a value just inside its range, one just outside, and what the
    /// error must say (the allowed range). Every duration, count, share and amount of the manifest is here, at both ends.
    /// </summary>
    public static TheoryData<string, string, string, string> Bounds => new()
    {
        { "goal.target", "1", "1.0001", "between 0 and 1" },
        { "goal.acceptableRange.min", "0", "-0.0001", "between 0 and 1" },
        { "goal.acceptableRange.max", "1", "1.0001", "between 0 and 1" },
        { "data.generator.seed", "0", "-1", "0 or more" },
        { "data.generator.poolPerIntent", "1000", "1001", "greater than 0 and at most 1000; got 1001" },
        { "data.generator.poolPerIntent", "1", "0", "greater than 0 and at most 1000; got 0" },
        { "data.generator.validationPerIntent", "1000", "1001", "greater than 0 and at most 1000" },
        { "data.generator.validationPerIntent", "1", "0", "greater than 0 and at most 1000" },
        { "data.generator.evaluationPerIntent", "1000", "1001", "greater than 0 and at most 1000" },
        { "data.generator.evaluationPerIntent", "1", "0", "greater than 0 and at most 1000" },
        { "data.generator.productionSize", "100000", "100001", "greater than 0 and at most 100000" },
        { "data.generator.productionSize", "1", "0", "greater than 0 and at most 100000" },
        { "data.generator.driftPoint", "0.999", "1", "strictly between 0 and 1" },
        { "data.generator.driftPoint", "0.001", "0", "strictly between 0 and 1" },
        { "monitoring.sampleSize", "100000", "100001", "greater than 0 and at most 100000" },
        { "monitoring.sampleSize", "1", "0", "greater than 0 and at most 100000" },
        { "monitoring.feedbackShare", "1", "1.0001", "between 0 and 1" },
        { "monitoring.feedbackShare", "0", "-0.0001", "between 0 and 1" },
        { "trigger.cooldown", "\"30.00:00:00\"", "\"30.00:00:01\"", "must not be negative and at most 30 days (\"30.00:00:00\"); got 30.00:00:01" },
        { "trigger.cooldown", "\"00:00:00\"", "\"-00:00:01\"", "must not be negative and at most 30 days" },
        { "trigger.minimumEvidence", "100000", "100001", "greater than 0 and at most 100000" },
        { "trigger.minimumEvidence", "1", "0", "greater than 0 and at most 100000" },
        { "planner.maxLabelRequests", "100000", "100001", "0 or more and at most 100000" },
        { "planner.maxLabelRequests", "0", "-1", "0 or more and at most 100000" },
        { "planner.maxGeneratedSamples", "100000", "100001", "0 or more and at most 100000" },
        { "planner.maxGeneratedSamples", "0", "-1", "0 or more and at most 100000" },
        { "planner.tokenBudget", "1000000000", "1000000001", "0 or more and at most 1000000000" },
        { "planner.tokenBudget", "0", "-1", "0 or more and at most 1000000000" },
        { "planner.prices", "{\"inputPer1k\":1000}", "{\"inputPer1k\":1000.01}", "0 or more and at most 1000" },
        { "planner.prices", "{\"outputPer1k\":0}", "{\"outputPer1k\":-0.01}", "0 or more and at most 1000" },
        { "teacher.prices", "{\"inputPer1k\":1000}", "{\"inputPer1k\":1000.01}", "0 or more and at most 1000" },
        { "teacher.demonstrationTimeout", "\"30.00:00:00\"", "\"30.00:00:01\"", "must not be negative and at most 30 days" },
        { "teacher.demonstrationTimeout", "\"00:00:00\"", "\"-00:00:01\"", "must not be negative and at most 30 days" },
        { "teacher.batchSize", "500", "501", "between 1 and 500" },
        { "teacher.batchSize", "1", "0", "between 1 and 500" },
        { "teacher.specialists", $"[{{{LlmTeacher},\"hardestTargets\":10000}}]", $"[{{{LlmTeacher},\"hardestTargets\":10001}}]", "0 or more and at most 10000" },
        { "teacher.specialists", $"[{{{LlmTeacher},\"hardestTargets\":0}}]", $"[{{{LlmTeacher},\"hardestTargets\":-1}}]", "0 or more and at most 10000" },
        { "feedback", "{\"minConfidence\":1}", "{\"minConfidence\":1.0001}", "between 0 and 1" },
        { "feedback", "{\"minConfidence\":0}", "{\"minConfidence\":-0.0001}", "between 0 and 1" },
        { "feedback", "{\"prices\":{\"outputPer1k\":1000}}", "{\"prices\":{\"outputPer1k\":1000.01}}", "0 or more and at most 1000" },
        { "training.compute.deviceId", "63", "64", "0 or more and at most 63" },
        { "training.compute.deviceId", "0", "-1", "0 or more and at most 63" },
        { "training.hyperParameters.l2", "1000", "1000.5", "0 or more and at most 1000" },
        { "training.hyperParameters.l2", "0", "-0.1", "0 or more and at most 1000" },
        { "training.hyperParameters.l1", "1000", "1000.5", "0 or more and at most 1000" },
        { "training.hyperParameters.l1", "0", "-0.1", "0 or more and at most 1000" },
        { "training.hyperParameters.maxIterations", "10000", "10001", "between 1 and 10000" },
        { "training.hyperParameters.maxIterations", "1", "0", "between 1 and 10000" },
        { "evaluation.maxAttempts", "10", "11", "between 1 and 10" },
        { "evaluation.maxAttempts", "1", "0", "between 1 and 10" },
        { "alignment.maxDistance", "100", "100.5", "positive number of bits, at most 100" },
        { "alignment.maxDistance", "0.000001", "0", "positive number of bits, at most 100" },
        { "alignment.epsilon", "0.499", "0.5", "strictly between 0 and 0.5" },
        { "alignment.epsilon", "1e-300", "0", "strictly between 0 and 0.5" },
        { "approval.timeout", "\"30.00:00:00\"", "\"30.00:00:01\"", "must not be negative and at most 30 days" },
        { "approval.timeout", "\"00:00:01\"", "\"10675199.02:48:05\"", "must not be negative and at most 30 days (\"30.00:00:00\"); got 10675199.02:48:05" },
        { "deployment.candidateShare", "0.999", "1", "strictly between 0 and 1" },
        { "deployment.candidateShare", "0.001", "0", "strictly between 0 and 1" },
        { "deployment.trialShare", "0.999", "1", "strictly between 0 and 1" },
        { "deployment.trialShare", "0.001", "0", "strictly between 0 and 1" },
        { "deployment.minimumSamples", "100000", "100001", "greater than 0 and at most 100000" },
        { "deployment.minimumSamples", "1", "0", "greater than 0 and at most 100000" },
        { "deployment.alpha", "0.499", "0.5", "strictly between 0 and 0.5" },
        { "deployment.alpha", "0.0001", "0", "strictly between 0 and 0.5" },
        { "deployment.margin", "0", "-0.001", "from 0 up to (not including) 0.5" },
        { "deployment.margin", "0.499", "0.5", "from 0 up to (not including) 0.5" },
        { "traffic.retention", "\"3650.00:00:00\"", "\"3650.00:00:01\"", "at least an hour (\"01:00:00\") and at most 3650 days" },
        { "traffic.retention", "\"01:00:00\"", "\"00:59:59\"", "at least an hour (\"01:00:00\") and at most 3650 days (\"3650.00:00:00\"); got 00:59:59" },
    };

    [Theory]
    [MemberData(nameof(Bounds))]
    public void Each_bounded_value_passes_just_inside_its_range_and_fails_just_outside_naming_the_range(string property, string inside, string outside, string expected)
    {
        // Specialists need an LLM teacher (and an LLM a token budget); the edit puts them on it.
        void Edit(JsonObject m, string value)
        {
            if (property.StartsWith("teacher.specialists", StringComparison.Ordinal))
            {
                m["teacher"] = JsonNode.Parse($"{{{LlmTeacher}}}");
                m["planner"]!["tokenBudget"] = 1000;
            }
            Apply(m, $"{property}={value}");
        }
        var jsonPath = "$." + property;

        var insideErrors = ManifestLoader.TryLoad(ManifestFiles.WriteSupportRouter(folder, m => Edit(m, inside))).Errors;
        var outsideErrors = ManifestLoader.TryLoad(ManifestFiles.WriteSupportRouter(folder, m => Edit(m, outside))).Errors;

        Assert.True(insideErrors.Count == 0, string.Join(Environment.NewLine, insideErrors));
        var error = Assert.Single(outsideErrors, e => e.JsonPath.StartsWith(jsonPath, StringComparison.Ordinal) && e.Message.Contains(expected));
        Assert.DoesNotMatch(UnfilledPlaceholder, error.Message);
    }

    [Theory]
    [InlineData(0, "must list at least 2 intents and at most 1000; got 0.")]
    [InlineData(1, "must list at least 2 intents and at most 1000; got 1.")]
    [InlineData(1001, "must list at least 2 intents and at most 1000; got 1001.")]
    public void The_number_of_intents_is_bounded_and_the_message_gives_the_count(int count, string expected)
    {
        var path = ManifestFiles.WriteSupportRouter(folder, m =>
            m["labels"] = new JsonArray(Enumerable.Range(0, count).Select(i => (JsonNode)new JsonObject { ["name"] = $"intent_{i}", ["action"] = "human_agent" }).ToArray()));

        var error = Assert.Single(ManifestLoader.TryLoad(path).Errors, e => e.JsonPath == "$.labels");

        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void The_number_of_specialists_is_bounded()
    {
        var specialists = string.Join(",", Enumerable.Repeat($"{{{LlmTeacher}}}", 21));
        var path = ManifestFiles.WriteSupportRouter(folder, m =>
        {
            m["teacher"] = JsonNode.Parse($"{{{LlmTeacher},\"specialists\":[{specialists}]}}");
            m["planner"]!["tokenBudget"] = 1000;
        });

        var error = Assert.Single(ManifestLoader.TryLoad(path).Errors);

        Assert.Equal("$.teacher.specialists", error.JsonPath);
        Assert.Equal("must list at most 20 specialists; got 21.", error.Message);
    }

    [Fact]
    public void A_misspelt_property_is_refused_with_its_path()
    {
        var path = ManifestFiles.WriteSupportRouter(folder, m => m["goal"]!["targett"] = 0.9);

        var (_, errors) = ManifestLoader.TryLoad(path);

        var error = Assert.Single(errors);
        Assert.Equal("$.goal.targett", error.JsonPath);
        Assert.Contains("not a known property", error.Message);
    }

    [Fact]
    public void A_value_of_the_wrong_type_names_its_path()
    {
        var path = ManifestFiles.WriteSupportRouter(folder, m => m["trigger"]!["cooldown"] = "six hours");

        var error = Assert.Single(ManifestLoader.TryLoad(path).Errors);

        Assert.Equal("$.trigger.cooldown", error.JsonPath);
        Assert.Contains("06:00:00", error.Message);
    }

    [Fact]
    public void Broken_json_names_the_line()
    {
        var path = folder.Combine("broken.agent.json");
        File.WriteAllText(path, "{\n  \"agentId\": \"a\",\n  \"goal\": { \"target\": 0.9,, }\n}");

        var error = Assert.Single(ManifestLoader.TryLoad(path).Errors);

        Assert.StartsWith("$.goal", error.JsonPath);
        Assert.Contains("line 3", error.Message);
    }

    [Fact]
    public void Several_problems_are_all_reported_at_once()
    {
        var path = ManifestFiles.WriteSupportRouter(folder, m =>
        {
            Apply(m, "goal.target=2");
            Apply(m, "deployment.minimumSamples=0");
        });

        var exception = Assert.Throws<ManifestValidationException>(() => ManifestLoader.Load(path));

        Assert.Contains(exception.Errors, e => e.JsonPath == "$.goal.target");
        Assert.Contains(exception.Errors, e => e.JsonPath == "$.deployment.minimumSamples");
        Assert.Contains("$.goal.target", exception.Message);
    }

    [Fact]
    public void Data_files_must_exist_relative_to_the_manifest()
    {
        var path = ManifestFiles.WriteSupportRouter(folder, m => m["data"] = JsonNode.Parse("""
            { "source": "files",
              "pool": { "path": "data/pool.csv" }, "validation": { "path": "data/validation.csv" },
              "evaluation": { "path": "data/evaluation.tsv" }, "production": { "path": "data/production.jsonl", "labelColumn": null } }
            """));

        var errors = ManifestLoader.TryLoad(path).Errors;

        Assert.Contains(errors, e => e.JsonPath == "$.data.pool.path" && e.Message.Contains(Path.Combine(folder.Path, "data", "pool.csv")));
        Assert.Contains(errors, e => e.JsonPath == "$.data.evaluation.path" && e.Message.Contains("set 'format'"));
    }

    [Fact]
    public void The_constitution_must_cover_the_manifest()
    {
        var path = ManifestFiles.WriteSupportRouter(folder, editConstitution: c =>
        {
            c["agentId"] = "someone-else";
            c["situations"]!.AsArray().Add(JsonNode.Parse("""{ "intent": "teleport", "allowed": ["human_agent"] }"""));
        });

        var errors = ManifestLoader.TryLoad(path).Errors;

        Assert.All(errors, e => Assert.EndsWith(Path.Combine("constitutions", "support-router.json"), e.File));
        Assert.Contains(errors, e => e.JsonPath == "$.agentId" && e.Message.Contains("support-router"));
        Assert.Contains(errors, e => e.JsonPath == "$.situations[8].intent" && e.Message.Contains("teleport"));
    }

    /// <summary>Applies "a.b.0.c=&lt;json&gt;" to the manifest.</summary>
    private static void Apply(JsonObject manifest, string edit)
    {
        var (path, value) = (edit[..edit.IndexOf('=')], edit[(edit.IndexOf('=') + 1)..]);
        var parts = path.Split('.');
        JsonNode node = manifest;
        foreach (var part in parts[..^1]) node = int.TryParse(part, out var i) ? node[i]! : node[part] ??= new JsonObject(); // a section left out gets one
        var last = parts[^1];
        if (int.TryParse(last, out var index)) node[index] = JsonNode.Parse(value);
        else node[last] = JsonNode.Parse(value);
    }
}
