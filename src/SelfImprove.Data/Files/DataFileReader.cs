using System.Text;
using System.Text.Json;
using SelfImprove.Core.Manifests;

namespace SelfImprove.Data.Files;

/// <summary>One row of a data file: its line number (for error messages) and the columns asked for.</summary>
public sealed record DataFileRow(int Line, string Text, string? Label, string? Segment);

/// <summary>
/// Reads CSV (RFC 4180: header row, quoted fields, doubled quotes, newlines inside quotes) and JSON Lines files.
/// Errors name the file, the line and the column.
/// </summary>
public static class DataFileReader
{
    /// <param name="fullPath">The file.</param>
    /// <param name="spec">Its columns.</param>
    /// <param name="labelRequired">False for a production stream, whose ground truth is optional.</param>
    public static IReadOnlyList<DataFileRow> Read(string fullPath, DataFileSpec spec, bool labelRequired = true)
    {
        if (!File.Exists(fullPath)) throw new DataFileException(fullPath, 0, "file not found.");
        var format = spec.Format ?? DataFileFormats.FromExtension(fullPath)
            ?? throw new DataFileException(fullPath, 0, "unknown format: give the file a .csv or .jsonl extension or set 'format'.");
        return format switch
        {
            DataFileFormat.Csv => ReadCsv(fullPath, spec, labelRequired),
            DataFileFormat.Jsonl => ReadJsonLines(fullPath, spec),
            _ => throw new DataFileException(fullPath, 0, $"unknown format '{format}'; expected csv or jsonl."),
        };
    }

    private static List<DataFileRow> ReadCsv(string path, DataFileSpec spec, bool labelRequired)
    {
        var records = ParseCsv(File.ReadAllText(path, Encoding.UTF8)).ToList();
        if (records.Count == 0) throw new DataFileException(path, 1, "the file is empty; expected a header row.");
        var header = records[0].Fields;
        int Column(string? name, bool required)
        {
            if (name is null) return -1;
            var index = header.FindIndex(h => string.Equals(h.Trim(), name, StringComparison.Ordinal));
            if (index < 0 && required)
                throw new DataFileException(path, 1, $"column '{name}' not found; the header has: {string.Join(", ", header.Select(h => $"'{h}'"))}.");
            return index;
        }

        var text = Column(spec.TextColumn, true);
        var label = Column(spec.LabelColumn, labelRequired && spec.LabelColumn is not null);
        var segment = Column(spec.SegmentColumn, spec.SegmentColumn is not null);
        var rows = new List<DataFileRow>();
        foreach (var (line, fields) in records.Skip(1))
        {
            if (fields.Count == 1 && fields[0].Length == 0) continue;
            if (fields.Count != header.Count)
                throw new DataFileException(path, line, $"has {fields.Count} fields but the header has {header.Count}; quote fields that contain commas.");
            rows.Add(MakeRow(path, line, fields[text], label < 0 ? null : fields[label], segment < 0 ? null : fields[segment], spec));
        }
        return rows;
    }

    private static List<DataFileRow> ReadJsonLines(string path, DataFileSpec spec)
    {
        var rows = new List<DataFileRow>();
        var line = 0;
        foreach (var raw in File.ReadLines(path, Encoding.UTF8))
        {
            line++;
            if (string.IsNullOrWhiteSpace(raw)) continue;
            JsonElement element;
            try
            {
                element = JsonDocument.Parse(raw).RootElement;
            }
            catch (JsonException ex)
            {
                throw new DataFileException(path, line, $"is not valid JSON: {ex.Message}");
            }
            if (element.ValueKind != JsonValueKind.Object)
                throw new DataFileException(path, line, "must be a JSON object per line.");
            string? Field(string? name) =>
                name is not null && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            rows.Add(MakeRow(path, line, Field(spec.TextColumn), Field(spec.LabelColumn), Field(spec.SegmentColumn), spec));
        }
        return rows;
    }

    private static DataFileRow MakeRow(string path, int line, string? text, string? label, string? segment, DataFileSpec spec)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new DataFileException(path, line, $"'{spec.TextColumn}' is missing or empty.");
        if (spec.LabelColumn is not null && label is not null && string.IsNullOrWhiteSpace(label))
            throw new DataFileException(path, line, $"'{spec.LabelColumn}' is empty.");
        return new DataFileRow(line, text.Trim(), label?.Trim(), string.IsNullOrWhiteSpace(segment) ? null : segment.Trim());
    }

    /// <summary>RFC 4180 records with the line each starts on.</summary>
    private static IEnumerable<(int Line, List<string> Fields)> ParseCsv(string content)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var inQuotes = false;
        var line = 1;
        var recordLine = 1;
        for (var i = 0; i < content.Length; i++)
        {
            var ch = content[i];
            if (inQuotes)
            {
                if (ch == '"' && i + 1 < content.Length && content[i + 1] == '"') { field.Append('"'); i++; }
                else if (ch == '"') inQuotes = false;
                else
                {
                    if (ch == '\n') line++;
                    field.Append(ch);
                }
                continue;
            }
            switch (ch)
            {
                case '"' when field.Length == 0:
                    inQuotes = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    yield return (recordLine, fields);
                    fields = [];
                    line++;
                    recordLine = line;
                    break;
                default:
                    field.Append(ch);
                    break;
            }
        }
        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            yield return (recordLine, fields);
        }
    }
}

/// <summary>A data file that cannot be read, with where and why.</summary>
public sealed class DataFileException(string path, int line, string problem)
    : Exception(line > 0 ? $"{path}:{line}: {problem}" : $"{path}: {problem}")
{
    public string FilePath { get; } = path;
    public int Line { get; } = line;
}
