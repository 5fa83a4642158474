using System.Text;

namespace SelfImprove.Testing;

/// <summary>A console stand-in that keeps every line and lets a test wait for the one it expects.</summary>
public sealed class LineRecorder : TextWriter
{
    private readonly StringBuilder partial = new();
    private readonly List<string> lines = [];
    private readonly object gate = new();

    public override Encoding Encoding => Encoding.UTF8;

    public IReadOnlyList<string> Lines
    {
        get { lock (gate) return lines.ToArray(); }
    }

    public override void Write(char value)
    {
        lock (gate)
        {
            if (value == '\n')
            {
                lines.Add(partial.ToString().TrimEnd('\r'));
                partial.Clear();
            }
            else partial.Append(value);
        }
    }

    public void Add(string line)
    {
        lock (gate) lines.Add(line);
    }

    /// <summary>The first line starting with <paramref name="prefix"/> (and, if given, containing <paramref name="containing"/>).</summary>
    public async Task<string> WaitForAsync(string prefix, string? containing = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(2));
        while (DateTime.UtcNow < deadline)
        {
            var line = Lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal) && (containing is null || l.Contains(containing, StringComparison.Ordinal)));
            if (line is not null) return line;
            await Task.Delay(50);
        }
        throw new TimeoutException($"No line '{prefix}…{containing}' within the timeout; lines so far:\n{string.Join("\n", Lines)}");
    }
}
