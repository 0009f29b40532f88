using System.Text;
using ChatBot.Knowledge;
using ChatBot.Knowledge.Search;

namespace ChatBot.Core.Knowledge;

/// <summary>The replies the documents give without the model.</summary>
public static class KnowledgeReplies
{
    /// <summary>
    /// How many sections a "not sure" reply shows: the two closest. A third is the right one for about one such question
    /// in seven on the public sets (11 of 80, 2026-12-08), and the reply must stay readable.
    /// </summary>
    public const int UnsureSections = 2;

    /// <summary>
    /// "Not sure": the admin's line, then the closest sections, each cited with the clause that matched — the employee
    /// reads the rule itself rather than a model's stretch of a near miss.
    /// </summary>
    public static string Unsure(KnowledgeSearchResult found, string lead, int sections, bool markdown, bool english)
    {
        var reply = new StringBuilder(lead);
        foreach (var chunk in found.Hits.Take(sections).Select(h => h.Chunk))
        {
            reply.Append(Citation.Block(chunk, Citation.Quote(chunk, found), markdown, english));
        }

        return reply.ToString();
    }
}
