namespace SelfImprove.Core.Manifests;

/// <summary>
/// Six-field cron expressions (second minute hour day month day-of-week) as Azure Functions timer triggers read them
/// (NCrontab's rules): numbers, '*', ranges 'a-b', steps '/n' and lists 'a,b'; a time matches when every field matches
/// (day of month and day of week both, unlike classic cron's either). Names such as MON are not accepted. Times are UTC.
/// </summary>
public static class CronSchedule
{
    private static readonly (int Min, int Max)[] FieldRanges = [(0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (0, 6)];

    public static bool IsValid(string? expression)
    {
        if (string.IsNullOrWhiteSpace(expression)) return false;
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != FieldRanges.Length) return false;
        for (var i = 0; i < fields.Length; i++)
        {
            if (!fields[i].Split(',').All(item => IsValidItem(item, FieldRanges[i].Min, FieldRanges[i].Max))) return false;
        }
        return true;
    }

    /// <summary>
    /// Whether the schedule fires at a whole second in (<paramref name="after"/>, <paramref name="upTo"/>]: a monitoring tick
    /// over that window checks the agent. Empty windows (<paramref name="upTo"/> ≤ <paramref name="after"/>) never fire.
    /// </summary>
    /// <exception cref="ArgumentException">The expression is not valid (see <see cref="IsValid"/>).</exception>
    public static bool FiresWithin(string expression, DateTimeOffset after, DateTimeOffset upTo) =>
        NextAfter(expression, after) is { } next && next <= upTo;

    /// <summary>
    /// The first time after <paramref name="after"/> (a whole second, UTC) that the schedule fires; null when it never does
    /// within the next five years (e.g. the 31st of February).
    /// </summary>
    /// <exception cref="ArgumentException">The expression is not valid (see <see cref="IsValid"/>).</exception>
    public static DateTimeOffset? NextAfter(string expression, DateTimeOffset after)
    {
        if (!IsValid(expression))
            throw new ArgumentException($"'{expression}' is not a six-field cron expression (second minute hour day month day-of-week).", nameof(expression));
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select((field, i) => Expand(field, FieldRanges[i].Min, FieldRanges[i].Max)).ToArray();
        var (seconds, minutes, hours, days, months, weekdays) = (fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]);

        var utc = after.UtcDateTime;
        var t = new DateTime(utc.Ticks - utc.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc).AddSeconds(1);
        var end = t.AddYears(5);
        // Each mismatch skips to the start of the next unit of that field, so the walk takes at most a few thousand steps.
        while (t < end)
        {
            if (!months[t.Month]) { t = new DateTime(t.Year, t.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1); continue; }
            if (!days[t.Day] || !weekdays[(int)t.DayOfWeek]) { t = t.Date.AddDays(1); continue; }
            if (!hours[t.Hour]) { t = t.Date.AddHours(t.Hour + 1); continue; }
            if (!minutes[t.Minute]) { t = t.Date.AddHours(t.Hour).AddMinutes(t.Minute + 1); continue; }
            if (!seconds[t.Second]) { t = t.AddSeconds(1); continue; }
            return new DateTimeOffset(t);
        }
        return null;
    }

    private static bool[] Expand(string field, int min, int max)
    {
        var allowed = new bool[max + 1];
        foreach (var item in field.Split(','))
        {
            var parts = item.Split('/');
            var step = parts.Length == 2 ? int.Parse(parts[1]) : 1;
            int from, to;
            if (parts[0] == "*") (from, to) = (min, max);
            else
            {
                var bounds = parts[0].Split('-');
                from = int.Parse(bounds[0]);
                // 'a/n' (no range) runs from a to the field's end, as NCrontab reads it.
                to = bounds.Length == 2 ? int.Parse(bounds[1]) : parts.Length == 2 ? max : from;
            }
            for (var v = from; v <= to; v += step) allowed[v] = true;
        }
        return allowed;
    }

    private static bool IsValidItem(string item, int min, int max)
    {
        var parts = item.Split('/');
        if (parts.Length > 2) return false;
        if (parts.Length == 2 && !(int.TryParse(parts[1], out var step) && step > 0)) return false;
        if (parts[0] == "*") return true;
        var bounds = parts[0].Split('-');
        if (bounds.Length > 2) return false;
        var values = new int[bounds.Length];
        for (var i = 0; i < bounds.Length; i++)
        {
            if (!int.TryParse(bounds[i], out values[i]) || values[i] < min || values[i] > max) return false;
        }
        return values.Length == 1 || values[0] <= values[1];
    }
}
