using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Traffic;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>
/// Every answer the agent gives, kept in the artefact store: answers are buffered in the process and written in
/// batches, one blob per flush per process per UTC hour (<see cref="StoreLayout.TrafficBatch"/>, JSON Lines, created
/// once), so a busy agent writes a few blobs a second, not one per request. <see cref="TrafficFlusher"/> flushes every
/// <see cref="TrafficLogOptions.FlushInterval"/>, sooner when <see cref="TrafficLogOptions.FlushAtCount"/> answers wait,
/// and once more when the host stops. What a killed process loses is what it had not flushed: at most the answers of
/// the last flush interval plus the time one flush takes (and, while storage is down, what it could not write).
/// Reads see the store and this process's unflushed answers alike.
/// </summary>
public sealed class TrafficLog : ISubjectData, IAsyncDisposable, IDisposable
{
    /// <summary>How many answers the top-k of a logged request keeps.</summary>
    public const int TopK = 3;

    private static readonly JsonSerializerOptions LineJson = new(JsonSerializerDefaults.Web);
    private readonly IArtifactStore store;
    private readonly TrafficLogOptions options;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private readonly SemaphoreSlim flushing = new(1, 1);
    private readonly Channel<bool> flushDue = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private List<LoggedRequest> buffer = [];
    private readonly List<PendingBatch> pending = [];
    private long batches;
    private long dropped;
    private long flushed;
    private bool disposed;

    /// <param name="store">Where the batches go.</param>
    /// <param name="options">The loop's options; <see cref="LoopOptions.Traffic"/> applies.</param>
    /// <param name="clock">The time of request ids.</param>
    /// <param name="logger">Warnings about flushes that failed and answers dropped.</param>
    public TrafficLog(IArtifactStore store, IOptions<LoopOptions> options, TimeProvider clock, ILogger<TrafficLog>? logger = null)
    {
        this.store = store;
        this.options = options.Value.Traffic;
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        Ids = new RequestIds(clock);
    }

    /// <summary>Makes this process's request ids; its <see cref="RequestIds.Writer"/> names this process's batches too.</summary>
    public RequestIds Ids { get; }

    /// <summary>Whether answers are kept (<see cref="TrafficLogOptions.Enabled"/>); when off, <see cref="AppendAsync"/> keeps nothing.</summary>
    public bool Enabled => options.Enabled;

    /// <summary>Answers written to the store by this process so far.</summary>
    public long Flushed => Interlocked.Read(ref flushed);

    /// <summary>Answers this process dropped unwritten because more than <see cref="TrafficLogOptions.MaxBuffered"/> waited (storage down).</summary>
    public long Dropped => Interlocked.Read(ref dropped);

    /// <summary>Answers waiting in this process to be written.</summary>
    public int Buffered
    {
        get { lock (gate) return buffer.Count + pending.Sum(p => p.Records.Count); }
    }

    /// <summary>
    /// Buffers one answer (returns at once; nothing is written here). When <see cref="TrafficLogOptions.FlushAtCount"/>
    /// answers wait, the flusher is woken; when more than <see cref="TrafficLogOptions.MaxBuffered"/> wait (storage down),
    /// the oldest are dropped and counted in <see cref="Dropped"/>.
    /// </summary>
    public ValueTask AppendAsync(LoggedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!options.Enabled) return ValueTask.CompletedTask;
        int count;
        var over = 0;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            buffer.Add(request);
            count = buffer.Count;
            var waiting = count + pending.Sum(p => p.Records.Count);
            if (waiting > options.MaxBuffered && buffer.Count > 1)
            {
                over = Math.Min(waiting - options.MaxBuffered, buffer.Count - 1);
                buffer.RemoveRange(0, over);
            }
        }
        if (over > 0 && Interlocked.Add(ref dropped, over) % 1000 < over)
            logger.LogWarning("Traffic log: more than {Max} answers wait to be written (storage unreachable?); {Dropped} dropped so far", options.MaxBuffered, Dropped);
        if (count >= options.FlushAtCount) flushDue.Writer.TryWrite(true);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Writes every buffered answer now: one blob per agent and UTC hour. Batches that fail stay buffered (and visible to
    /// reads) and are written, under the same name, by the next flush.
    /// </summary>
    /// <exception cref="AggregateException">Some batches could not be written (they stay buffered).</exception>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await flushing.WaitAsync(cancellationToken);
        try
        {
            PendingBatch[] toWrite;
            lock (gate)
            {
                if (buffer.Count > 0)
                {
                    var taken = buffer;
                    buffer = [];
                    foreach (var group in taken.GroupBy(r => (r.AgentId, Hour: HourOf(r.At))))
                    {
                        var records = group.OrderBy(r => r.At).ThenBy(r => r.RequestId, StringComparer.Ordinal).ToArray();
                        var name = StoreLayout.TrafficBatch(group.Key.AgentId, records[0].At, records[^1].At, Ids.Writer, ++batches);
                        pending.Add(new PendingBatch(name, group.Key.AgentId, records));
                    }
                }
                toWrite = [.. pending];
            }
            var failures = new List<Exception>();
            foreach (var batch in toWrite)
            {
                try
                {
                    // False means a flush that failed after the write went through: the batch is there already.
                    await store.TryCreateAsync(batch.Name, Serialize(batch.Records), cancellationToken);
                    lock (gate) pending.Remove(batch);
                    Interlocked.Add(ref flushed, batch.Records.Count);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    failures.Add(e);
                }
            }
            if (failures.Count > 0)
                throw new AggregateException($"Traffic log: {failures.Count} of {toWrite.Length} batches could not be written; they stay buffered.", failures);
        }
        finally
        {
            flushing.Release();
        }
    }

    /// <summary>
    /// The agent's answers that arrived in [<paramref name="from"/>, <paramref name="to"/>), oldest first (ties by request
    /// id): what the store holds, with this process's unflushed answers.
    /// </summary>
    public async Task<IReadOnlyList<LoggedRequest>> ReadAsync(string agentId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var found = new Dictionary<string, LoggedRequest>(StringComparer.Ordinal);
        if (to <= from) return [];
        var names = new List<string>();
        for (var day = DayOf(from); day < to; day = day.AddDays(1))
            foreach (var name in await store.ListAsync(StoreLayout.TrafficDayPrefix(agentId, day), cancellationToken))
                if (TrafficBatchName.TryParse(name, out var span) && span.Last >= from && span.First < to)
                    names.Add(name);
        foreach (var records in await ReadBatchesAsync(names, cancellationToken))
            foreach (var r in records)
                if (r.AgentId == agentId && r.At >= from && r.At < to) found.TryAdd(r.RequestId, r);
        foreach (var r in Unflushed(agentId))
            if (r.At >= from && r.At < to) found.TryAdd(r.RequestId, r);
        return found.Values.OrderBy(r => r.At).ThenBy(r => r.RequestId, StringComparer.Ordinal).ToArray();
    }

    /// <summary>The logged answer of <paramref name="requestId"/>, or null when the agent's log has none (or the id is malformed).</summary>
    public async Task<LoggedRequest?> FindAsync(string agentId, string requestId, CancellationToken cancellationToken = default)
    {
        if (!RequestIds.TryParseTime(requestId, out var at)) return null;
        if (Unflushed(agentId).FirstOrDefault(r => r.RequestId == requestId) is { } buffered) return buffered;
        var names = (await store.ListAsync(StoreLayout.TrafficHourPrefix(agentId, at), cancellationToken))
            .Where(name => TrafficBatchName.TryParse(name, out var span) && span.First <= at && at <= span.Last)
            .ToArray();
        foreach (var records in await ReadBatchesAsync(names, cancellationToken))
            if (records.FirstOrDefault(r => r.RequestId == requestId && r.AgentId == agentId) is { } logged) return logged;
        // Written between the two looks (flushed after the buffer was searched, before the store was listed).
        return Unflushed(agentId).FirstOrDefault(r => r.RequestId == requestId);
    }

    /// <summary>
    /// Erases every answer logged with <paramref name="subject"/> for the agent: from this process's buffer and from every
    /// batch in the store (a batch is rewritten without the subject's lines, or deleted when nothing else is in it).
    /// Answers other processes have not flushed yet (at most one flush window) are not reached: erase again after it.
    /// </summary>
    /// <returns>How many answers were erased.</returns>
    public async Task<int> EraseSubjectAsync(string agentId, string subject, CancellationToken ct)
    {
        // No flush writes while this runs, so a batch cannot be written with the subject's lines after it was cleaned.
        await flushing.WaitAsync(ct);
        try
        {
            var erased = 0;
            lock (gate)
            {
                erased += buffer.RemoveAll(r => r.AgentId == agentId && r.Subject == subject);
                for (var i = 0; i < pending.Count; i++)
                {
                    var kept = pending[i].Records.Where(r => r.Subject != subject).ToArray();
                    erased += pending[i].Records.Count - kept.Length;
                    pending[i] = pending[i] with { Records = kept };
                }
                pending.RemoveAll(p => p.Records.Count == 0);
            }
            var names = (await store.ListAsync(StoreLayout.TrafficPrefix(agentId), ct)).Where(n => TrafficBatchName.TryParse(n, out _)).ToArray();
            await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (name, token) =>
            {
                if (await store.ReadAsync(name, token) is not { } content) return;
                var records = Parse(content, name);
                var kept = records.Where(r => r.Subject != subject).ToArray();
                if (kept.Length == records.Count) return;
                if (kept.Length == 0) await store.DeleteAsync(name, token);
                else await store.WriteAsync(name, Serialize(kept), token);
                Interlocked.Add(ref erased, records.Count - kept.Length);
            });
            return erased;
        }
        finally
        {
            flushing.Release();
        }
    }

    /// <summary>
    /// Deletes the agent's hourly partitions that ended before <paramref name="olderThan"/> (the retention purge); a
    /// partition that still holds an answer at or after it is kept whole.
    /// </summary>
    /// <returns>How many batches were deleted.</returns>
    public async Task<int> PurgeAsync(string agentId, DateTimeOffset olderThan, CancellationToken cancellationToken = default)
    {
        var deleted = 0;
        foreach (var name in await store.ListAsync(StoreLayout.TrafficPrefix(agentId), cancellationToken))
        {
            if (!TrafficBatchName.TryParse(name, out var span) || HourOf(span.First).AddHours(1) > olderThan) continue;
            if (await store.DeleteAsync(name, cancellationToken)) deleted++;
        }
        return deleted;
    }

    /// <summary>Waits until a flush is due: <see cref="TrafficLogOptions.FlushInterval"/> has passed or enough answers wait.</summary>
    internal async Task WaitForFlushDueAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.FlushInterval);
        try
        {
            await flushDue.Reader.WaitToReadAsync(timeout.Token);
            flushDue.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Flushes what is buffered (a host without <see cref="TrafficFlusher"/> loses nothing on a clean dispose).</summary>
    public async ValueTask DisposeAsync()
    {
        lock (gate)
        {
            if (disposed) return;
        }
        try
        {
            await FlushAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Traffic log: {Count} answers could not be written at shutdown", Buffered);
        }
        lock (gate) disposed = true;
    }

    /// <summary>Flushes what is buffered, for containers disposed synchronously.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>The JSON Lines of a batch: one answer a line, UTF-8.</summary>
    internal static byte[] Serialize(IEnumerable<LoggedRequest> records)
    {
        using var output = new MemoryStream();
        foreach (var record in records)
        {
            JsonSerializer.Serialize(output, record, LineJson);
            output.WriteByte((byte)'\n');
        }
        return output.ToArray();
    }

    /// <summary>The answers of a batch; a line that does not parse is skipped (and logged), so one bad line never hides the rest.</summary>
    internal IReadOnlyList<LoggedRequest> Parse(byte[] content, string name)
    {
        var records = new List<LoggedRequest>();
        var text = Encoding.UTF8.GetString(content);
        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                if (JsonSerializer.Deserialize<LoggedRequest>(line, LineJson) is { } record) records.Add(record);
            }
            catch (JsonException e)
            {
                logger.LogWarning("Traffic log: {Name} line {Line} is not a logged request and is skipped ({Problem})", name, lineNumber, e.Message);
            }
        }
        return records;
    }

    /// <summary>This process's answers of the agent that are not in the store yet (buffered or being written).</summary>
    private List<LoggedRequest> Unflushed(string agentId)
    {
        lock (gate)
            return [.. pending.Where(p => p.AgentId == agentId).SelectMany(p => p.Records), .. buffer.Where(r => r.AgentId == agentId)];
    }

    private async Task<IReadOnlyList<LoggedRequest>[]> ReadBatchesAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var results = new IReadOnlyList<LoggedRequest>[names.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, names.Count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (i, ct) => results[i] = await store.ReadAsync(names[i], ct) is { } content ? Parse(content, names[i]) : []);
        return results;
    }

    private static DateTimeOffset HourOf(DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    private static DateTimeOffset DayOf(DateTimeOffset at) => new(at.UtcDateTime.Date, TimeSpan.Zero);

    private sealed record PendingBatch(string Name, string AgentId, IReadOnlyList<LoggedRequest> Records);
}

/// <summary>Reads the span of arrivals a <see cref="StoreLayout.TrafficBatch"/> name covers.</summary>
public static class TrafficBatchName
{
    private const string TimeFormat = "yyyyMMdd'T'HHmmssfffffff";

    /// <summary>The earliest and latest arrival in the batch a name holds; false for a name that is no traffic batch.</summary>
    public static bool TryParse(string name, out (DateTimeOffset First, DateTimeOffset Last) span)
    {
        span = default;
        var file = name[(name.LastIndexOf('/') + 1)..];
        const int length = RequestIds.TimeLength;
        if (file.Length < 2 * length + 2 || file[length] != '-' || file[2 * length + 1] != '-' || !file.EndsWith(".jsonl", StringComparison.Ordinal)) return false;
        if (!Parse(file.AsSpan(0, length), out var first) || !Parse(file.AsSpan(length + 1, length), out var last)) return false;
        span = (first, last);
        return true;
    }

    private static bool Parse(ReadOnlySpan<char> text, out DateTimeOffset at)
    {
        var ok = DateTime.TryParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time);
        at = ok ? new DateTimeOffset(time, TimeSpan.Zero) : default;
        return ok;
    }
}
