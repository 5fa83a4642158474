using System.ClientModel.Primitives;
using System.Globalization;

namespace SelfImprove.Agents.Llm;

/// <summary>
/// The client pipeline's retry policy with the waits bounded: 408, 429 and 5xx answers are retried after the
/// server's <c>retry-after-ms</c> or <c>Retry-After</c> (seconds or an HTTP date), else after an exponential
/// back-off; a server that asks for more than <see cref="LlmClientOptions.MaxDelay"/> is not waited for here.
/// </summary>
public sealed class BoundedRetryPolicy(LlmClientOptions options) : ClientRetryPolicy(options.MaxRetries)
{
    private int retries;

    /// <summary>Retries this policy has made (all calls through it).</summary>
    public int Retries => Volatile.Read(ref retries);

    protected override bool ShouldRetry(PipelineMessage message, Exception? exception)
    {
        if (!base.ShouldRetry(message, exception)) return false;
        if (message.Response is { } response && RetryAfter(response) is { } asked && asked > options.MaxDelay) return false;
        Interlocked.Increment(ref retries);
        return true;
    }

    protected override ValueTask<bool> ShouldRetryAsync(PipelineMessage message, Exception? exception) => ValueTask.FromResult(ShouldRetry(message, exception));

    protected override TimeSpan GetNextDelay(PipelineMessage message, int tryCount)
    {
        var backOff = TimeSpan.FromTicks((long)(options.InitialDelay.Ticks * Math.Pow(2, Math.Max(0, tryCount - 1))));
        var asked = message.Response is { } response ? RetryAfter(response) : null;
        var delay = asked ?? backOff;
        return delay > options.MaxDelay ? options.MaxDelay : delay;
    }

    /// <summary>What the server asked for, if anything.</summary>
    public static TimeSpan? RetryAfter(PipelineResponse response)
    {
        var headers = response.Headers;
        if (headers.TryGetValue("retry-after-ms", out var ms) && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds))
            return TimeSpan.FromMilliseconds(Math.Max(0, milliseconds));
        if (headers.TryGetValue("Retry-After", out var value) && value is not null)
        {
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)) return TimeSpan.FromSeconds(Math.Max(0, seconds));
            if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                var wait = at - DateTimeOffset.UtcNow;
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }
        return null;
    }
}
