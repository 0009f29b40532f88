using System.IO.Compression;
using System.Text;

namespace ChatBot.Knowledge.Search;

/// <summary>
/// Chinese synonym groups, as <c>scripts/lexicon</c> writes them from Tongyici Cilin (Extended): one group per line,
/// words separated by spaces. Where the dictionary's English shares too little between two Chinese words to bridge
/// them (红包 "money wrapped in red as a gift" and 礼金 "monetary gift"; 底细 "inside information" and 背景
/// "background"), a thesaurus that groups them says they mean the same. Policy search reads it for a question's word the documents do not write, and for a lone character
/// (报, 修), which the documents only write inside words: the group's words the documents do write stand for it.
/// </summary>
public sealed class Thesaurus
{
    private readonly Dictionary<string, List<string[]>> _groups;
    private readonly Dictionary<string, List<string[]>>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly int _longest;

    private Thesaurus(Dictionary<string, List<string[]>> groups, int count)
    {
        _groups = groups;
        _lookup = groups.GetAlternateLookup<ReadOnlySpan<char>>();
        _longest = groups.Count == 0 ? 0 : groups.Keys.Max(w => w.Length);
        Count = count;
    }

    public static Thesaurus Empty { get; } = new([], 0);

    /// <summary>Where <c>scripts/lexicon</c> puts it, relative to the working directory.</summary>
    public const string DefaultFile = "data/cilin-synonyms.txt.gz";

    /// <summary>How many groups it holds.</summary>
    public int Count { get; }

    public static Thesaurus Load(string path)
    {
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var groups = new Dictionary<string, List<string[]>>(StringComparer.Ordinal);
        var count = 0;
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var group = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (group.Length < 2)
            {
                throw new InvalidDataException($"{path}: expected a group of two or more words separated by spaces; got '{line}'. Run scripts/lexicon again.");
            }

            count++;
            foreach (var word in group)
            {
                if (!groups.TryGetValue(word, out var list))
                {
                    groups[word] = list = [];
                }

                list.Add(group);
            }
        }

        return new Thesaurus(groups, count);
    }

    /// <summary>
    /// Its words of two characters or more that occur in the texts: found once, when an index is built, so a question
    /// asks a set rather than searching the documents for each synonym of each word.
    /// </summary>
    public HashSet<string> WordsIn(IEnumerable<string> texts) =>
        texts.SelectMany(text => GlossBridge.Words(text, _longest, _lookup.ContainsKey)).ToHashSet(StringComparer.Ordinal);

    /// <summary>The words that share a group with this one, in the groups' order; none for a word it does not have.</summary>
    public IEnumerable<string> Synonyms(string word) =>
        _groups.TryGetValue(word, out var list) ? list.SelectMany(g => g).Where(w => w != word).Distinct(StringComparer.Ordinal) : [];
}
