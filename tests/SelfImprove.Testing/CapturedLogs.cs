using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace SelfImprove.Testing;

/// <summary>A logger factory that keeps every line logged through it (category, level, message with any exception).</summary>
public sealed class CapturedLogs : IDisposable
{
    private readonly ConcurrentQueue<(string Category, LogLevel Level, string Text)> lines = new();

    public CapturedLogs(LogLevel minimum = LogLevel.Information) =>
        Factory = LoggerFactory.Create(logging => logging.SetMinimumLevel(minimum).AddProvider(new Provider(this)));

    /// <summary>Give this to the host under test.</summary>
    public ILoggerFactory Factory { get; }

    public IReadOnlyList<(string Category, LogLevel Level, string Text)> Lines => lines.ToArray();

    /// <summary>How many lines so far contain <paramref name="text"/> (ordinal).</summary>
    public int Count(string text) => lines.Count(l => l.Text.Contains(text, StringComparison.Ordinal));

    public void Dispose() => Factory.Dispose();

    private sealed class Provider(CapturedLogs logs) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(logs, categoryName);

        public void Dispose() { }
    }

    private sealed class Logger(CapturedLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs.lines.Enqueue((category, logLevel, exception is null ? formatter(state, exception) : $"{formatter(state, exception)} {exception}"));
    }
}
