using SelfImprove.Core.Manifests;
using SelfImprove.Data.Files;
using SelfImprove.Learning.Embeddings;

namespace SelfImprove.Cli.Gpu;

/// <summary>
/// <c>selfimprove embedding-speed --data FILE [--sentences 20000] [--device 0] [--batch N] [--cpu] [--allow-cpu-fallback]</c>:
/// embeds the sentences of a data file (the <c>text</c> column; e.g. BANKING77's train.csv) with MiniLM on CUDA and prints the
/// provider and the warm sentences per second, on their own line as <c>sentences_per_second=N</c> for scripts.
/// Exit codes: 0 measured; 1 CUDA not usable (the message says why and how to fix); 2 bad arguments or data.
/// </summary>
public static class EmbeddingSpeedCommand
{
    public const string Name = "embedding-speed";

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        string? data = null;
        int sentences = 20_000, device = 0;
        int? batch = null;
        bool gpu = true, fallback = false;
        try
        {
            for (var i = 0; i < args.Count; i++)
            {
                string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--data": data = Value(); break;
                    case "--sentences": sentences = PositiveInt("--sentences", Value()); break;
                    case "--device": device = int.TryParse(Value(), out var d) && d >= 0 ? d : throw new ArgumentException("--device must be a CUDA device id (0, 1, ...), as nvidia-smi lists them."); break;
                    case "--batch": batch = PositiveInt("--batch", Value()); break;
                    case "--cpu": gpu = false; break;
                    case "--allow-cpu-fallback": fallback = true; break;
                    default: throw new ArgumentException($"unknown option '{args[i]}'.");
                }
            }
            if (data is null) throw new ArgumentException("--data is required: a CSV or JSON Lines file with a 'text' column, e.g. banking77/train.csv.");
        }
        catch (ArgumentException ex)
        {
            error.WriteLine($"embedding-speed: {ex.Message}");
            error.WriteLine("usage: selfimprove embedding-speed --data FILE [--sentences 20000] [--device 0] [--batch N] [--cpu] [--allow-cpu-fallback]");
            return 2;
        }

        IReadOnlyList<string> texts;
        try
        {
            var rows = DataFileReader.Read(Path.GetFullPath(data), new DataFileSpec { Path = data, LabelColumn = null }, labelRequired: false);
            // Repeated to the size asked: throughput depends on sentence length, not on novelty.
            texts = Enumerable.Range(0, sentences).Select(i => rows[i % rows.Count].Text).ToArray();
        }
        catch (DataFileException ex)
        {
            error.WriteLine($"embedding-speed: {ex.Message}");
            return 2;
        }

        ExecutionProviderChoice choice;
        try
        {
            choice = ExecutionProviders.Create(new ExecutionProviderRequest(gpu, device, fallback));
        }
        catch (InvalidOperationException ex)
        {
            error.WriteLine($"embedding-speed: {ex.Message}");
            return 1;
        }
        output.WriteLine(choice.Describe());
        try
        {
            var result = EmbeddingThroughput.Measure(choice, texts, batch);
            output.WriteLine($"{result.Sentences} sentences in {result.Seconds:F2} s (batch {result.BatchSize}; warm-up batch {result.WarmupSeconds:F2} s, not counted)");
            output.WriteLine($"provider={result.Provider.ToString().ToLowerInvariant()}");
            output.WriteLine($"sentences_per_second={result.SentencesPerSecond:F0}");
            return 0;
        }
        catch (ArgumentException ex)
        {
            error.WriteLine($"embedding-speed: {ex.Message}");
            return 2;
        }
        finally
        {
            choice.Options.Dispose();
        }
    }

    private static int PositiveInt(string option, string text) =>
        int.TryParse(text, out var value) && value > 0 ? value : throw new ArgumentException($"{option} must be a positive whole number, not '{text}'.");
}
