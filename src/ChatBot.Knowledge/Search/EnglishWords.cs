using System.Text.RegularExpressions;

namespace ChatBot.Knowledge.Search;

/// <summary>
/// English as the bridge needs it: the content words of a question or of a dictionary gloss, folded to a crude stem
/// (plural, -ing, -ed) so "trips" meets "trip" and "clocked" meets "clock". Function words, and the dictionary's own
/// shorthand (sb, sth, one's, bound form), carry no meaning to match on.
/// </summary>
public static partial class EnglishWords
{
    private static readonly HashSet<string> Function = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "to", "of", "in", "on", "at", "by", "for", "from", "with", "without", "into", "onto", "up", "down", "out", "off",
        "over", "under", "about", "as", "and", "or", "but", "if", "than", "then", "so", "not", "no", "nor", "be", "is", "are", "am", "was",
        "were", "been", "being", "do", "does", "did", "done", "have", "has", "had", "can", "could", "will", "would", "shall", "should", "may",
        "might", "must", "i", "me", "my", "mine", "we", "us", "our", "you", "your", "he", "him", "his", "she", "her", "it", "its", "they",
        "them", "their", "this", "that", "these", "those", "there", "here", "what", "which", "who", "whom", "whose", "when", "where", "why",
        "how", "much", "many", "any", "some", "all", "each", "every", "get", "got", "getting", "just", "also", "too", "very", "really", "please",
        "sb", "sth", "one", "one's", "oneself", "someone", "something", "etc", "e.g", "esp", "lit", "fig", "coll", "abbr", "tw", "bound", "form",
        "classifier", "used", "kind", "sort", "thing", "things", "way", "lol", "pls", "ok", "okay", "hi", "hello", "hey", "thanks", "thank",
        "s", "t", "d", "ll", "m", "re", "ve", "im", "dont", "cant", "gonna", "wanna", "now", "again", "still", "even", "only",
        "before", "after", "around", "during", "since", "until", "till", "while", "ago", "soon", "ever", "never", "already", "yet", "maybe",
        "bit", "lot", "lots", "little", "few", "more", "most", "less", "least", "other", "another", "same", "such", "own", "able", "need",
        "want", "know", "think", "tell", "say", "said", "go", "going", "come", "take", "make", "let", "put", "give", "use", "happen", "okay",
        "today", "tomorrow", "yesterday", "there", "then", "than", "way",
    };

    /// <summary>The content words' stems, in order, without repeats.</summary>
    public static List<string> Stems(string text)
    {
        var stems = new List<string>();
        foreach (Match word in Words().Matches(text))
        {
            var lower = word.Value.ToLowerInvariant();
            if (Function.Contains(lower) || lower.All(char.IsAsciiDigit))
            {
                continue;
            }

            var stem = Stem(lower);
            if (stem.Length > 1 && !Function.Contains(stem) && !stems.Contains(stem))
            {
                stems.Add(stem);
            }
        }

        return stems;
    }

    /// <summary>
    /// Common irregular past forms, folded to the verb a dictionary gloss writes ("paid" meets "to pay", "stolen" meets
    /// "to steal"): the -ed rule below cannot reach them. Not "left" (also a direction, and "leave" is a holiday in
    /// these documents), nor forms that are words of their own (found, saw, lay).
    /// </summary>
    private static readonly Dictionary<string, string> Irregular = new(StringComparer.Ordinal)
    {
        ["stole"] = "steal", ["stolen"] = "steal", ["paid"] = "pay", ["forgot"] = "forget", ["forgotten"] = "forget", ["lost"] = "lose",
        ["broke"] = "break", ["broken"] = "break", ["bought"] = "buy", ["sent"] = "send", ["spent"] = "spend", ["took"] = "take",
        ["taken"] = "take", ["went"] = "go", ["gone"] = "go", ["came"] = "come", ["gave"] = "give", ["given"] = "give", ["wrote"] = "write",
        ["written"] = "write", ["ate"] = "eat", ["eaten"] = "eat", ["drove"] = "drive", ["driven"] = "drive", ["flew"] = "fly",
        ["flown"] = "fly", ["fell"] = "fall", ["fallen"] = "fall", ["kept"] = "keep", ["slept"] = "sleep", ["felt"] = "feel", ["met"] = "meet",
        ["lent"] = "lend", ["began"] = "begin", ["begun"] = "begin", ["chose"] = "choose", ["chosen"] = "choose", ["rode"] = "ride",
        ["ridden"] = "ride", ["sold"] = "sell", ["held"] = "hold", ["brought"] = "bring", ["caught"] = "catch", ["taught"] = "teach",
        ["thought"] = "think", ["told"] = "tell", ["became"] = "become", ["won"] = "win", ["hid"] = "hide", ["hidden"] = "hide",
        ["shook"] = "shake", ["stuck"] = "stick", ["tore"] = "tear", ["torn"] = "tear",
    };

    /// <summary>A deliberately small stemmer: plural and verb endings only, so that distinct words stay distinct.</summary>
    public static string Stem(string word)
    {
        if (Irregular.TryGetValue(word, out var verb))
        {
            return verb;
        }

        if (word.EndsWith("'s", StringComparison.Ordinal))
        {
            word = word[..^2];
        }

        if (word.Length > 4 && word.EndsWith("ies", StringComparison.Ordinal))
        {
            return word[..^3] + "y";
        }

        if (word.Length > 5 && word.EndsWith("ing", StringComparison.Ordinal))
        {
            return Undouble(word[..^3]);
        }

        if (word.Length > 4 && word.EndsWith("ed", StringComparison.Ordinal))
        {
            return Undouble(word[..^2]);
        }

        if (word.Length > 3 && word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal) && !word.EndsWith("us", StringComparison.Ordinal))
        {
            return word.EndsWith("es", StringComparison.Ordinal) && word.Length > 4 && "sxz".Contains(word[^3], StringComparison.Ordinal) ? word[..^2] : word[..^1];
        }

        return word;
    }

    // "stopped" → "stopp" → "stop"; "clocked" → "clock" stays.
    private static string Undouble(string stem) => stem.Length > 2 && stem[^1] == stem[^2] && !"lsz".Contains(stem[^1], StringComparison.Ordinal) ? stem[..^1] : stem;

    [GeneratedRegex(@"[A-Za-z][A-Za-z']*")]
    private static partial Regex Words();
}
