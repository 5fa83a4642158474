using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace SelfImprove.Server;

/// <summary>
/// Fails fast, with the endpoint named, when the storage account (or Azurite) does not answer: the blob service
/// (artefacts), and the queue and table services the Durable Task provider needs.
/// </summary>
public static class StorageProbe
{
    /// <summary>One storage service that did not answer.</summary>
    public sealed record Failure(string Service, Uri Endpoint, string Reason)
    {
        public override string ToString() => $"{Service} at {Endpoint} ({Reason})";
    }

    /// <exception cref="StorageUnreachableException">A service did not answer within <paramref name="timeout"/>.</exception>
    /// <exception cref="ArgumentException">Not a storage connection string.</exception>
    public static async Task EnsureReachableAsync(string connectionString, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var failures = await ProbeAsync(connectionString, timeout, cancellationToken);
        if (failures.Count > 0) throw Unreachable(failures, timeout, cause: null);
    }

    /// <summary>Asks the blob, queue and table services at once; returns those that did not answer (empty when all did).</summary>
    public static async Task<IReadOnlyList<Failure>> ProbeAsync(string connectionString, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        BlobServiceClient blobs;
        QueueServiceClient queues;
        TableServiceClient tables;
        try
        {
            blobs = new BlobServiceClient(connectionString, new BlobClientOptions { Retry = { MaxRetries = 0, NetworkTimeout = timeout } });
            queues = new QueueServiceClient(connectionString, new QueueClientOptions { Retry = { MaxRetries = 0, NetworkTimeout = timeout } });
            tables = new TableServiceClient(connectionString, new TableClientOptions { Retry = { MaxRetries = 0, NetworkTimeout = timeout } });
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new ArgumentException($"AzureWebJobsStorage is not a storage connection string: {e.Message}");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var probes = new[]
        {
            ProbeOneAsync("blob", blobs.Uri, async token => await blobs.GetPropertiesAsync(token), deadline.Token, cancellationToken),
            ProbeOneAsync("queue", queues.Uri, async token =>
            {
                await foreach (var _ in queues.GetQueuesAsync(cancellationToken: token).AsPages(pageSizeHint: 1)) break;
            }, deadline.Token, cancellationToken),
            ProbeOneAsync("table", tables.Uri, async token =>
            {
                await foreach (var _ in tables.QueryAsync(maxPerPage: 1, cancellationToken: token).AsPages()) break;
            }, deadline.Token, cancellationToken),
        };
        return (await Task.WhenAll(probes)).OfType<Failure>().ToArray();
    }

    /// <summary>
    /// Turns a storage failure that escaped the Durable Task provider (creating the hub, starting) into the same
    /// one-line error as the probe, naming the services that do not answer now.
    /// </summary>
    public static async Task<StorageUnreachableException> ExplainAsync(string connectionString, TimeSpan timeout, Exception cause, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<Failure> failures;
        try { failures = await ProbeAsync(connectionString, timeout, cancellationToken); }
        catch (ArgumentException) { failures = []; }
        if (failures.Count > 0) return Unreachable(failures, timeout, cause);
        var inner = Innermost(cause);
        return new StorageUnreachableException(
            $"Azure Storage failed while the orchestration backend started ({inner.GetType().Name}: {FirstLine(inner.Message)}). " +
            "Check that AzureWebJobsStorage names a reachable account with blob, queue and table services (Azurite runs all three: npx azurite).", cause);
    }

    /// <summary>Whether <paramref name="e"/> (or everything it aggregates) is storage not answering or refusing.</summary>
    public static bool IsStorageFailure(Exception e) => e switch
    {
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsStorageFailure),
        RequestFailedException or TimeoutException or HttpRequestException or System.Net.Sockets.SocketException or IOException => true,
        // The provider wraps storage errors in its own exception type (DurableTaskStorageException).
        _ when e.GetType().Name.Contains("Storage", StringComparison.Ordinal) => true,
        _ => e.InnerException is { } inner && IsStorageFailure(inner),
    };

    private static async Task<Failure?> ProbeOneAsync(
        string service, Uri endpoint, Func<CancellationToken, Task> ask, CancellationToken deadline, CancellationToken cancellationToken)
    {
        try
        {
            await ask(deadline);
            return null;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var inner = Innermost(e);
            return new Failure(service, endpoint, e is OperationCanceledException ? "no answer" : $"{inner.GetType().Name}: {FirstLine(inner.Message)}");
        }
    }

    private static StorageUnreachableException Unreachable(IReadOnlyList<Failure> failures, TimeSpan timeout, Exception? cause) => new(
        $"Azure Storage did not answer within {timeout.TotalSeconds:0} s: {string.Join("; ", failures)}. " +
        "Start Azurite with all three services (npx azurite --skipApiVersionCheck --loose) or set AzureWebJobsStorage to a reachable account.",
        cause);

    private static Exception Innermost(Exception e)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } || (e.InnerException is not null && e is not RequestFailedException)) e = e.InnerException!;
        return e;
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}

public sealed class StorageUnreachableException(string message, Exception? inner = null) : Exception(message, inner);
