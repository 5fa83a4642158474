using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using SelfImprove.Server;
using SelfImprove.Testing;

namespace SelfImprove.Benchmarks;

/// <summary>
/// What oversized bodies cost the server: <c>selfimprove serve</c> (in this process, memory backend, the demo agent on
/// small data) gets N bodies of M megabytes each with a bogus approval token on the open approval route, then on a keyed
/// route (predict), while the process's resident memory is read before and after. The client streams the bodies (it
/// holds none of them), so the memory measured is the server's. The approval route's rate limit is raised for the
/// first two rounds, so every body reaches the route; a last round at the default limit counts the 429s.
/// </summary>
public static class HostileInputBenchmark
{
    private const string Key = "bench-key-0123456789abcdef";

    public static async Task<int> RunAsync(int requests, int megabytes, TextWriter output)
    {
        using var folder = new TempDirectory();
        var agents = new TempDirectory(folder.Combine("agents"));
        ManifestFiles.WriteSupportRouter(agents, m => ManifestFiles.UseSmallAgent(m));
        var port = FreePort.Next();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        await using (var server = await SelfImproveServer.StartAsync(Options(agents, folder, port, rateLimit: 100_000), TextWriter.Null))
        {
            output.WriteLine($"{requests} bodies of {megabytes} MB each, one at a time, to a server in this process ({Environment.ProcessorCount} cores)");
            output.WriteLine($"resident memory at start: {Resident():0} MB (managed heap {Managed():0} MB)");
            await RoundAsync(baseAddress, "api/runs/support-router-1/approval?token=bogus", key: null, requests, megabytes, "approval, bogus token", output);
            await RoundAsync(baseAddress, "api/agents/support-router/predict", Key, requests, megabytes, "predict, with the key", output);
        }

        port = FreePort.Next();
        baseAddress = new Uri($"http://127.0.0.1:{port}/");
        await using (var server = await SelfImproveServer.StartAsync(Options(agents, folder, port, rateLimit: new ServerOptions().AnonymousRateLimit), TextWriter.Null))
            await RoundAsync(baseAddress, "api/runs/support-router-1/approval?token=bogus", key: null, requests * 5, megabytes: 0, "approval, default rate limit, empty bodies", output);
        return 0;
    }

    private static ServerOptions Options(TempDirectory agents, TempDirectory folder, int port, int rateLimit) => new()
    {
        Urls = $"http://127.0.0.1:{port}",
        AgentsFolder = agents.Path,
        StoreDirectory = folder.Combine("store"),
        EmbeddingCacheDirectory = ManifestFiles.SharedEmbeddingCache,
        ApiKey = Key,
        AnonymousRateLimit = rateLimit,
    };

    private static async Task RoundAsync(Uri server, string path, string? key, int requests, int megabytes, string name, TextWriter output)
    {
        var statuses = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < requests; i++)
        {
            // A fresh connection each time: the server closes one whose body it refused without reading.
            using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromMinutes(2) };
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StreamContent(new ZeroStream(megabytes * 1024L * 1024L)) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Content.Headers.ContentLength = megabytes * 1024L * 1024L;
            request.Headers.ExpectContinue = true;
            if (key is not null) request.Headers.Add("x-functions-key", key);
            string outcome;
            try
            {
                using var response = await http.SendAsync(request);
                outcome = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (HttpRequestException)
            {
                outcome = "connection closed";
            }
            statuses[outcome] = statuses.GetValueOrDefault(outcome) + 1;
        }
        var seconds = clock.Elapsed.TotalSeconds;
        output.WriteLine($"{name}: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Value} x {s.Key}"))} in {seconds:0.0} s; " +
                         $"resident memory after: {Resident():0} MB (managed heap {Managed():0} MB)");
    }

    private static double Resident()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64 / 1024.0 / 1024.0;
    }

    private static double Managed() => GC.GetTotalMemory(forceFullCollection: true) / 1024.0 / 1024.0;

    /// <summary>A body of <c>length</c> bytes made as it is read: the client holds none of it.</summary>
    private sealed class ZeroStream(long length) : Stream
    {
        private long position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - position);
            Array.Fill(buffer, (byte)' ', offset, n);
            position += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
