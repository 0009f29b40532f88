namespace ChatBot.Knowledge.Search;

/// <summary>
/// The admin-edited glossary (<c>config/knowledge-synonyms.txt</c>) that bridges how employees ask and how policies
/// are written. One entry a line: <c>结婚, 领证 =&gt; 婚假</c> (any form on the left brings the policy terms on the
/// right into the search), or <c>年假, 年休假, 带薪年假</c> (each brings the others). <c>#</c> starts a comment.
/// Latin forms match whole words, case-insensitively; Chinese forms match anywhere in the question.
/// </summary>
public sealed class Glossary
{
    private readonly IReadOnlyList<(string[] Forms, string[] Terms)> _entries;

    private Glossary(IReadOnlyList<(string[] Forms, string[] Terms)> entries) => _entries = entries;

    public static Glossary Empty { get; } = new([]);

    public int Count => _entries.Count;

    /// <exception cref="FormatException">A line that is neither an entry nor a comment, named by its number.</exception>
    public static Glossary Parse(string text, string source)
    {
        var entries = new List<(string[], string[])>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            line = (hash >= 0 ? line[..hash] : line).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var arrow = line.IndexOf("=>", StringComparison.Ordinal);
            var forms = Terms(arrow >= 0 ? line[..arrow] : line);
            var terms = arrow >= 0 ? Terms(line[(arrow + 2)..]) : forms;
            if (forms.Length == 0 || terms.Length == 0 || (arrow < 0 && forms.Length < 2))
            {
                throw new FormatException($"{source} line {i + 1}: write 'a, b => c' or a group 'a, b, c'; got '{lines[i].Trim()}'.");
            }

            entries.Add((forms, terms));
        }

        return new Glossary(entries);
    }

    /// <summary>The policy terms this question's wording brings in, each with the form of the question that brought it.</summary>
    public IReadOnlyList<(string Form, string Term)> Expand(string question)
    {
        var expansions = new List<(string, string)>();
        foreach (var (forms, terms) in _entries)
        {
            if (forms.FirstOrDefault(f => Contains(question, f)) is { } form)
            {
                expansions.AddRange(terms.Where(t => !string.Equals(t, form, StringComparison.OrdinalIgnoreCase)).Select(t => (form, t)));
            }
        }

        return expansions;
    }

    /// <summary>Chinese forms anywhere; Latin forms as whole words, ignoring case.</summary>
    public static bool Contains(string text, string form)
    {
        if (!form.All(char.IsAscii))
        {
            return text.Contains(form, StringComparison.OrdinalIgnoreCase);
        }

        for (var at = text.IndexOf(form, StringComparison.OrdinalIgnoreCase); at >= 0; at = text.IndexOf(form, at + 1, StringComparison.OrdinalIgnoreCase))
        {
            var before = at == 0 || !char.IsAsciiLetterOrDigit(text[at - 1]);
            var after = at + form.Length == text.Length || !char.IsAsciiLetterOrDigit(text[at + form.Length]) || text[at + form.Length] == 's';
            if (before && after)
            {
                return true;
            }
        }

        return false;
    }

    private static string[] Terms(string side) =>
        side.Split([',', '，', '、', '|'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(t => t.Length > 0).ToArray();
}
