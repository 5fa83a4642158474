namespace SelfImprove.Core.Manifests;

/// <summary>
/// Checks six-field cron expressions (second minute hour day month day-of-week) as Azure Functions timer
/// triggers read them: numbers, '*', ranges 'a-b', steps '/n' and lists 'a,b'. Names such as MON are not accepted.
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
