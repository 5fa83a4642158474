using SelfImprove.Benchmarks;

// dotnet run -c Release --project bench/SelfImprove.Benchmarks -- <banking77|banking77-rules|rules-report|selection-speed|alignment-gate|lure-power|engine|monitoring-tick|hostile-input|predict|versions-listing|sequential-trial|embedding-speed|training-placement|training-job-cost|report> [options]; see docs/benchmarks.md.
var options = Options.Parse(args);
var cache = options.Get("cache", Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "selfimprove-bench"));
var log = new ResultLog(Path.Combine(cache, "banking77-results.jsonl"));
switch (options.Command)
{
    case "banking77":
    {
        if (Banking77Folder(options) is not { } data) return 2;
        var maxLabels = int.Parse(options.Get("max-labels", "8000"));
        foreach (var seed in options.GetList("seeds", "1"))
        {
            var setup = Banking77Setup.Prepare(data, cache, int.Parse(seed));
            var benchmark = new ActiveLearningBenchmark(setup, cache, log, Console.Out);
            benchmark.RunReferencePoints(int.Parse(seed));
            foreach (var strategy in options.GetList("strategies", "planner,margin,random"))
                await benchmark.RunStrategyAsync(int.Parse(seed), strategy, maxLabels);
        }
        return 0;
    }
    case "alignment-gate":
    {
        if (Banking77Folder(options) is not { } data) return 2;
        static IReadOnlyList<int> Range(string text) => text == "none" ? [] : text.Contains('-')
            ? Enumerable.Range(int.Parse(text.Split('-')[0]), int.Parse(text.Split('-')[1]) - int.Parse(text.Split('-')[0]) + 1).ToArray()
            : text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        return await new AlignmentGateBenchmark(data, cache, Console.Out).RunAsync(
            Range(options.Get("seeds", "1-10")), int.Parse(options.Get("rounds", "8")), Range(options.Get("misaligned-seeds", "1-100")));
    }
    case "lure-power":
    {
        double Number(string name, string fallback) => double.Parse(options.Get(name, fallback), System.Globalization.CultureInfo.InvariantCulture);
        return LurePowerBenchmark.Run(Number("delta", "0.016"), Number("discordant", "0.030"), Number("serving", "0.46"), Number("design-effect", "1.7"),
            Number("rho", "0.081"), int.Parse(options.Get("base-texts", "5")), LurePowerBenchmark.Sizes(options.Get("sizes", "48,64,80,96,112,128,144,160,176,192")),
            Number("margin", "0.10"), Number("alpha", "0.05"), Number("power", "0.95"), Console.Out);
    }
    case "banking77-rules":
    {
        if (Banking77Folder(options) is not { } data) return 2;
        var onValidation = options.Get("on", "test") switch
        {
            "test" => false,
            "validation" => true,
            var other => throw new ArgumentException($"--on {other}: must be 'test' or 'validation'."),
        };
        var rulesLog = new ResultLog(Path.Combine(cache, onValidation ? "banking77-rules-validation.jsonl" : "banking77-rules-results.jsonl"));
        foreach (var seed in options.GetList("seeds", "1,2,3,4,5").Select(int.Parse))
        {
            var setup = Banking77Setup.Prepare(data, cache, seed);
            if (!onValidation) new ActiveLearningBenchmark(setup, cache, log, Console.Out).RunReferencePoints(seed);
            var benchmark = new SelectionRulesBenchmark(setup, cache, rulesLog, Console.Out);
            foreach (var strategy in options.GetList("strategies", "margin,random,diverse-margin,badge,margin-kmeans,typiclust"))
                benchmark.Run(seed, strategy, int.Parse(options.Get("max-labels", "8000")), int.Parse(options.Get("max-rounds", "1000")), onValidation);
        }
        return 0;
    }
    case "rules-report":
        RulesReport.Write(log.Read(), new ResultLog(Path.Combine(cache, "banking77-rules-results.jsonl")).Read(),
            new ResultLog(Path.Combine(cache, "banking77-rules-validation.jsonl")).Read(), options.Get("out", "docs"), Console.Out);
        return 0;
    case "selection-speed":
        return SelectionSpeedBenchmark.Run(int.Parse(options.Get("requests", "100000")), int.Parse(options.Get("dimensions", "384")),
            int.Parse(options.Get("classes", "77")), int.Parse(options.Get("budget", "192")), int.Parse(options.Get("repeat", "3")), Console.Out);
    case "engine":
        return await EngineBenchmark.RunAsync(cache, int.Parse(options.Get("repeat", "3")), int.Parse(options.Get("agents", "1000")), Console.Out);
    case "monitoring-tick":
        if (options.Get("engine-log", "") is { Length: > 0 } engineLog) MonitoringTickBenchmark.EngineLog = MonitoringTickBenchmark.ConsoleEngineLog(engineLog);
        return await MonitoringTickBenchmark.RunAsync(cache, options.GetList("agents", "100,1000").Select(int.Parse).ToArray(),
            options.GetList("backends", "memory,azure-storage").ToArray(), int.Parse(options.Get("feedback", "50")), Console.Out,
            double.Parse(options.Get("tick-minutes", "8"), System.Globalization.CultureInfo.InvariantCulture), int.Parse(options.Get("profile", "0")),
            options.Get("fleet", "healthy") switch { "healthy" => false, "drifted" => true, var f => throw new ArgumentException($"--fleet: '{f}' is not healthy or drifted") },
            int.Parse(options.Get("new-feedback", "0")));
    case "monitoring-tick-host":
        return await MonitoringTickBenchmark.HostAsync(options.Get("manifest", ""), int.Parse(options.Get("agents", "100")), options.Get("connection", ""),
            options.Get("hub", ""), options.Get("embeddings", ""), int.Parse(options.Get("index", "1")));
    case "hostile-input":
        return await HostileInputBenchmark.RunAsync(int.Parse(options.Get("requests", "10")), int.Parse(options.Get("megabytes", "28")), Console.Out);
    case "predict":
        return await PredictBenchmark.RunAsync(int.Parse(options.Get("seconds", "10")), int.Parse(options.Get("memory-requests", "1000000")),
            options.Get("backends", "all"), Console.Out);
    case "versions-listing":
        return await VersionsListingBenchmark.RunAsync(int.Parse(options.Get("requests", "200")), int.Parse(options.Get("other-blobs", "150000")), Console.Out);
    case "sequential-trial":
        return SequentialTrialBenchmark.Run(int.Parse(options.Get("trials", "1000")), int.Parse(options.Get("check-every", "500")),
            int.Parse(options.Get("seed", "1")),
            options.Get("discordance", "0.05,0.1,0.2").Split(',').Select(d => double.Parse(d, System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
            Console.Out);
    case "embedding-speed":
    {
        if (Banking77Folder(options) is not { } data) return 2;
        return EmbeddingSpeedBenchmark.Run(data, int.Parse(options.Get("sentences", "2000")), options.Get("provider", "cpu") switch
            {
                "cpu" => false,
                "cuda" => true,
                var other => throw new ArgumentException($"--provider {other}: must be 'cpu' or 'cuda'."),
            },
            int.Parse(options.Get("device", "0")), options.Values.TryGetValue("batch", out var batch) ? int.Parse(batch) : null, Console.Out);
    }
    case "training-placement":
        return await TrainingPlacementBenchmark.RunAsync(options.GetList("placements", "inline,worker"), int.Parse(options.Get("clients", "8")),
            int.Parse(options.Get("idle-seconds", "15")), TimeSpan.FromSeconds(int.Parse(options.Get("run-limit-seconds", "600"))), Console.Out,
            int.Parse(options.Get("worker-nice", "10")), options.Get("worker-threads", "") is { Length: > 0 } threads ? int.Parse(threads) : null);
    case "training-job-cost":
    {
        if (Banking77Folder(options) is not { } data) return 2;
        return await TrainingJobCostBenchmark.RunAsync(data, options.GetList("examples", "10000,100000").Select(int.Parse).ToArray(),
            options.Get("threads", "") is { Length: > 0 } jobThreads ? int.Parse(jobThreads) : null, Console.Out);
    }
    case "report":
        Report.Write(log.Read(), options.Get("out", "docs"), Console.Out);
        return 0;
    default:
        Console.Error.WriteLine("usage: SelfImprove.Benchmarks banking77 [--seeds 1,2,3] [--strategies planner,margin,random] [--max-labels 8000] [--data DIR] [--cache DIR]");
        Console.Error.WriteLine("       SelfImprove.Benchmarks banking77-rules [--seeds 1,2,3,4,5] [--strategies margin,random,diverse-margin,badge,margin-kmeans,typiclust] [--on test|validation] [--max-labels 8000] [--max-rounds N] [--data DIR] [--cache DIR]");
        Console.Error.WriteLine("       SelfImprove.Benchmarks rules-report [--out docs] [--cache DIR]");
        Console.Error.WriteLine("       SelfImprove.Benchmarks selection-speed [--requests 100000] [--dimensions 384] [--classes 77] [--budget 192] [--repeat 3]");
        Console.Error.WriteLine("       SelfImprove.Benchmarks alignment-gate [--seeds 1-10] [--rounds 8] [--misaligned-seeds 1-100] [--data DIR] [--cache DIR]");
        Console.Error.WriteLine("       SelfImprove.Benchmarks engine [--repeat 3] [--agents 1000] [--cache DIR]");
        Console.Error.WriteLine("       SelfImprove.Benchmarks embedding-speed [--sentences 2000] [--batch N] [--provider cpu|cuda] [--device 0] [--data DIR]");
        Console.Error.WriteLine("       SelfImprove.Benchmarks monitoring-tick [--agents 100,1000] [--backends memory,azure-storage] [--feedback 50] [--tick-minutes 8] [--profile K] [--fleet healthy|drifted] [--new-feedback K] [--engine-log Debug] [--cache DIR]");
        Console.Error.WriteLine("       SelfImprove.Benchmarks hostile-input [--requests 10] [--megabytes 28]");
        Console.Error.WriteLine("       SelfImprove.Benchmarks predict [--seconds 10] [--memory-requests 1000000] [--backends all|memory|azure-storage]");
        Console.Error.WriteLine("       SelfImprove.Benchmarks versions-listing [--requests 200] [--other-blobs 150000]");
        Console.Error.WriteLine("       SelfImprove.Benchmarks sequential-trial [--trials 1000] [--check-every 500] [--seed 1] [--discordance 0.05,0.1,0.2]");
        Console.Error.WriteLine("       SelfImprove.Benchmarks training-placement [--placements inline,worker] [--clients 8] [--idle-seconds 15] [--run-limit-seconds 600] [--worker-nice 10] [--worker-threads N]");
        Console.Error.WriteLine("       SelfImprove.Benchmarks training-job-cost [--examples 10000,100000] [--threads N] [--data DIR]");
        Console.Error.WriteLine("       SelfImprove.Benchmarks report [--out docs] [--cache DIR]");
        return 2;
}

/// <summary>The BANKING77 folder (<c>--data</c>), or null after saying where it was looked for.</summary>
static string? Banking77Folder(Options options)
{
    var data = options.Get("data", Path.Combine("..", "shared", "datasets", "banking77"));
    if (File.Exists(Path.Combine(data, "train.csv"))) return data;
    Console.Error.WriteLine($"BANKING77 not found in '{Path.GetFullPath(data)}'; pass --data <folder with train.csv, test.csv, categories.json>.");
    return null;
}

/// <summary>`command --name value ...`.</summary>
internal sealed record Options(string Command, IReadOnlyDictionary<string, string> Values)
{
    public static Options Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        for (var i = 1; i + 1 < args.Length; i += 2)
            values[args[i].TrimStart('-')] = args[i + 1];
        return new Options(args.FirstOrDefault() ?? "", values);
    }

    public string Get(string name, string fallback) => Values.TryGetValue(name, out var value) ? value : fallback;

    public IReadOnlyList<string> GetList(string name, string fallback) => Get(name, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries);
}
