using System.Text;
using System.Text.RegularExpressions;

namespace SelfImprove.Data.Generation;

/// <summary>A sentence template split into literal text and <c>{slot}</c> placeholders with their fillers.</summary>
internal sealed partial class PhrasingTemplate
{
    private readonly string[] _literals;
    private readonly string[][] _slots;

    private PhrasingTemplate(string[] literals, string[][] slots)
    {
        _literals = literals;
        _slots = slots;
        Combinations = slots.Aggregate(1L, (product, fillers) => product * fillers.Length);
    }

    /// <summary>How many different bodies the template can produce.</summary>
    public long Combinations { get; }

    /// <summary>Whether the first word comes from a slot, whose filler already has its mid-sentence casing.</summary>
    public bool StartsWithSlot => _slots.Length > 0 && _literals[0].Length == 0;

    /// <summary>Splits <paramref name="template"/>; an unknown slot name is a catalogue bug and throws.</summary>
    public static PhrasingTemplate Parse(string template, IReadOnlyDictionary<string, string[]> slotFillers)
    {
        var literals = new List<string>();
        var slots = new List<string[]>();
        var position = 0;
        foreach (Match match in SlotPattern().Matches(template))
        {
            var name = match.Groups[1].Value;
            if (!slotFillers.TryGetValue(name, out var fillers))
            {
                throw new InvalidOperationException($"Template \"{template}\" uses unknown slot '{name}'.");
            }

            literals.Add(template[position..match.Index]);
            slots.Add(fillers);
            position = match.Index + match.Length;
        }

        literals.Add(template[position..]);
        return new PhrasingTemplate([.. literals], [.. slots]);
    }

    /// <summary>Fills every slot with a filler chosen by <paramref name="random"/>.</summary>
    public string Fill(Random random)
    {
        var text = new StringBuilder(_literals[0]);
        for (var i = 0; i < _slots.Length; i++)
        {
            var fillers = _slots[i];
            text.Append(fillers[random.Next(fillers.Length)]).Append(_literals[i + 1]);
        }

        return text.ToString();
    }

    [GeneratedRegex(@"\{([a-z_]+)\}")]
    private static partial Regex SlotPattern();
}
