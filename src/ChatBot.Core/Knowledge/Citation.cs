using ChatBot.Core.Knowledge.Search;

namespace ChatBot.Core.Knowledge;

/// <summary>
/// The source line the code — not the model — appends to a grounded answer: the document and section, and a short
/// verbatim quote of the clause that best matches the question, so an employee can check the rule even when the
/// model's paraphrase is weak.
/// </summary>
public static class Citation
{
    private const int MaxQuoteChars = 90;

    /// <summary>"来源：员工宿舍管理规定 › 四、宿舍纪律（dormitory.md）".</summary>
    public static string Line(Chunk chunk) => $"来源：{chunk.Section}（{chunk.Document}）";

    /// <summary>The clause (line or sentence) of the passage that contains the most of the question's words.</summary>
    public static string Quote(Chunk chunk, string question, Glossary glossary)
    {
        var words = KeyTerms.Of(question).Concat(glossary.Expand(question).Select(e => e.Term)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var clauses = new List<string>();
        string? header = null;
        foreach (var line in chunk.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!line.StartsWith('|'))
            {
                header = null;
                clauses.AddRange(line.Split('。', StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim() + (line.Contains('。', StringComparison.Ordinal) ? "。" : "")));
            }
            else if (header is null)
            {
                // A table's first row names its columns: quoted with a row, never alone.
                header = line;
            }
            else
            {
                clauses.Add(header + "\n" + line);
            }
        }

        clauses.RemoveAll(c => c.Length <= 1);
        var best = clauses.OrderByDescending(c => words.Count(w => Glossary.Contains(c, w))).FirstOrDefault() ?? chunk.Text;
        return best.Length <= MaxQuoteChars ? best : best[..MaxQuoteChars] + "…";
    }

    /// <summary>The citation block for a reply: markdown (a quote block) where the channel renders it, plain text elsewhere.</summary>
    public static string Block(Chunk chunk, string quote, bool markdown) => markdown
        ? $"\n\n> {Line(chunk)}\n> 「{quote}」"
        : $"\n\n——\n{Line(chunk)}\n「{quote}」";
}
