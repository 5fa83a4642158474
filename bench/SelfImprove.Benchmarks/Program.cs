using SelfImprove.Benchmarks;

// dotnet run -c Release --project bench/SelfImprove.Benchmarks -- <banking77|alignment-gate|engine|hostile-input|predict|versions-listing|sequential-trial|report> [options]; see docs/benchmarks.md.
var options = Options.Parse(args);
var cache = options.Get("cache", Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "selfimprove-bench"));
var log = new ResultLog(Path.Combine(cache, "banking77-results.jsonl"));
switch (options.Command)
{
    case "banking77":
    {
        var data = options.Get("data", Path.Combine("..", "shared", "datasets", "banking77"));
        if (!File.Exists(Path.Combine(data, "train.csv")))
        {
            Console.Error.WriteLine($"BANKING77 not found in '{Path.GetFullPath(data)}'; pass --data <folder with train.csv, test.csv, categories.json>.");
            return 2;
        }
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
        var data = options.Get("data", Path.Combine("..", "shared", "datasets", "banking77"));
        if (!File.Exists(Path.Combine(data, "train.csv")))
        {
            Console.Error.WriteLine($"BANKING77 not found in '{Path.GetFullPath(data)}'; pass --data <folder with train.csv, test.csv, categories.json>.");
            return 2;
        }
        static IReadOnlyList<int> Range(string text) => text.Contains('-')
            ? Enumerable.Range(int.Parse(text.Split('-')[0]), int.Parse(text.Split('-')[1]) - int.Parse(text.Split('-')[0]) + 1).ToArray()
            : text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        return await new AlignmentGateBenchmark(data, cache, Console.Out).RunAsync(
            Range(options.Get("seeds", "1-10")), int.Parse(options.Get("rounds", "8")), Range(options.Get("misaligned-seeds", "1-100")));
    }
    case "engine":
        return await EngineBenchmark.RunAsync(cache, int.Parse(options.Get("repeat", "3")), int.Parse(options.Get("agents", "1000")), Console.Out);
    case "hostile-input":
        return await HostileInputBenchmark.RunAsync(int.Parse(options.Get("requests", "10")), int.Parse(options.Get("megabytes", "28")), Console.Out);
    case "predict":
        return await PredictBenchmark.RunAsync(int.Parse(options.Get("seconds", "10")), int.Parse(options.Get("memory-requests", "1000000")),
            options.Get("backends", "all"), Console.Out);
    case "versions-listing":
        return await VersionsListingBenchmark.RunAsync(int.Parse(options.Get("requests", "200")), int.Parse(options.Get("other-blobs", "150000")), Console.Out);
    case "sequential-trial":
        return SequentialTrialBenchmark.Run(int.Parse(options.Get("trials", "1000")), int.Parse(options.Get("check-every", "500")),
            int.Parse(options.Get("seed", "1")), Console.Out);
    case "report":
        Report.Write(log.Read(), options.Get("out", "docs"), Console.Out);
        return 0;
    default:
        Console.Error.WriteLine("usage: SelfImprove.Benchmarks banking77 [--seeds 1,2,3] [--strategies planner,margin,random] [--max-labels 8000] [--data DIR] [--cache DIR]");
        Console.Error.WriteLine("       SelfImprove.Benchmarks alignment-gate [--seeds 1-10] [--rounds 8] [--misaligned-seeds 1-100] [--data DIR] [--cache DIR]");
        Console.Error.WriteLine("       SelfImprove.Benchmarks engine [--repeat 3] [--agents 1000] [--cache DIR]");
        Console.Error.WriteLine("       SelfImprove.Benchmarks hostile-input [--requests 10] [--megabytes 28]");
        Console.Error.WriteLine("       SelfImprove.Benchmarks predict [--seconds 10] [--memory-requests 1000000] [--backends all|memory|azure-storage]");
        Console.Error.WriteLine("       SelfImprove.Benchmarks versions-listing [--requests 200] [--other-blobs 150000]");
        Console.Error.WriteLine("       SelfImprove.Benchmarks sequential-trial [--trials 1000] [--check-every 500] [--seed 1]");
        Console.Error.WriteLine("       SelfImprove.Benchmarks report [--out docs] [--cache DIR]");
        return 2;
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
