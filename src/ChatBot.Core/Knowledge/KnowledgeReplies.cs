using System.Text;
using ChatBot.Knowledge;
using ChatBot.Knowledge.Search;

namespace ChatBot.Core.Knowledge;

/// <summary>The replies the documents give without the model.</summary>
public static class KnowledgeReplies
{
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
