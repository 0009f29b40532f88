using System.Text.RegularExpressions;
using Lucene.Net.Tartarus.Snowball.Ext;

namespace ChatBot.Knowledge.Search;

/// <summary>
/// English as the bridge needs it: the content words of a question or of a dictionary gloss, folded to their stem
/// so "trips" meets "trip" and "approval" meets "approve". Function words, and the dictionary's own
/// shorthand (sb, sth, one's, bound form), carry no meaning to match on.
/// </summary>
public static partial class EnglishWords
{
    private static readonly HashSet<string> Function = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "to", "of", "in", "on", "at", "by", "for", "from", "with", "without", "into", "onto", "up", "down", "out", "off",
        "over", "under", "away", "about", "as", "and", "or", "but", "if", "than", "then", "so", "not", "no", "nor", "be", "is", "are", "am", "was",
        "were", "been", "being", "do", "does", "did", "done", "have", "has", "had", "can", "could", "will", "would", "shall", "should", "may",
        "might", "must", "i", "me", "my", "mine", "we", "us", "our", "you", "your", "he", "him", "his", "she", "her", "it", "its", "they",
        "them", "their", "this", "that", "these", "those", "there", "here", "what", "which", "who", "whom", "whose", "when", "where", "why",
        "how", "much", "many", "any", "some", "all", "each", "every", "get", "got", "getting", "just", "also", "too", "very", "really", "please",
        "sb", "sth", "one", "one's", "oneself", "someone", "something", "etc", "e.g", "esp", "lit", "fig", "coll", "abbr", "tw", "bound", "form",
        "classifier", "used", "kind", "sort", "thing", "things", "way", "lol", "pls", "ok", "okay", "hi", "hello", "hey", "thanks", "thank",
        "s", "t", "d", "ll", "m", "re", "ve", "im", "dont", "cant", "gonna", "wanna", "now", "again", "still", "even", "only",
        "before", "after", "around", "during", "since", "until", "till", "while", "ago", "soon", "ever", "never", "already", "yet", "maybe",
        "bit", "lot", "lots", "couple", "little", "few", "more", "most", "less", "least", "other", "another", "same", "such", "own", "able", "need",
        "want", "allow", "know", "think", "tell", "say", "said", "go", "going", "come", "take", "make", "let", "put", "give", "use", "happen", "okay",
        "today", "tomorrow", "yesterday", "there", "then", "than", "way",
        // Chat as typed on a phone: contractions without their apostrophe, and fillers.
        "didnt", "doesnt", "isnt", "wasnt", "arent", "werent", "wont", "wouldnt", "shouldnt", "couldnt", "havent", "hasnt", "hadnt",
        "whats", "thats", "theres", "hows", "whos", "wheres", "youre", "theyre", "ive", "kinda", "sorta", "gotta", "lemme", "oops",
        "btw", "tbh", "plz", "thx", "yeah", "yep", "nope", "hmm", "um", "uh", "ah", "oh",
    };

    /// <summary>The content words' stems, in order, without repeats.</summary>
    public static List<string> Stems(string text)
    {
        var stems = new List<string>();
        foreach (Match word in Words().Matches(text))
        {
            var lower = word.Value.ToLowerInvariant();
            if (IsFunction(lower) || lower.All(char.IsAsciiDigit))
            {
                continue;
            }

            // Whether a word is a function word is asked of the word and its inflections, not of its stem: "allowed" is
            // "am I allowed to", "allowance" (stem "allow") is a subsidy.
            var stem = Stem(lower);
            if (stem.Length > 1 && !stems.Contains(stem))
            {
                stems.Add(stem);
            }
        }

        return stems;
    }

    /// <summary>A function word, or one with a plural or verb ending or in an irregular form: "needs", "getting", "allowed", "taken".</summary>
    private static bool IsFunction(string word)
    {
        if (Function.Contains(word) || (Irregular.TryGetValue(word, out var verb) && Function.Contains(verb)))
        {
            return true;
        }

        // A contraction: "don't" as "dont", "it's" and "i'll" by the word before the apostrophe.
        if (word.IndexOf('\'', StringComparison.Ordinal) is > 0 and var apostrophe
            && (Function.Contains(word.Replace("'", "", StringComparison.Ordinal)) || Function.Contains(word[..apostrophe])))
        {
            return true;
        }

        foreach (var ending in (ReadOnlySpan<string>)["s", "es", "d", "ed", "ing"])
        {
            if (word.Length > ending.Length + 1 && word.EndsWith(ending, StringComparison.Ordinal))
            {
                var bare = word[..^ending.Length];
                if (Function.Contains(bare) || (bare.Length > 2 && bare[^1] == bare[^2] && Function.Contains(bare[..^1])))
                {
                    return true;
                }
            }
        }

        return false;
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
        ["shook"] = "shake", ["stuck"] = "stick", ["tore"] = "tear", ["torn"] = "tear", ["laid"] = "lay", ["overslept"] = "oversleep",
        ["ran"] = "run", ["wore"] = "wear", ["worn"] = "wear", ["withdrew"] = "withdraw", ["withdrawn"] = "withdraw", ["spoke"] = "speak",
        ["spoken"] = "speak",
    };

    [ThreadStatic]
    private static EnglishStemmer? _stemmer;

    /// <summary>
    /// Words the stemmer would join to an unrelated one (as Solr's protwords.txt keeps them): department and depart
    /// (to leave), international and intern, severance and severe, organization and organ, business and busy, personal
    /// and person, engineer and engine, position and positive, university and universe.
    /// </summary>
    private static readonly HashSet<string> Whole = new(StringComparer.Ordinal)
    {
        "department", "international", "severance", "organization", "organisation", "business", "personal", "engineer",
        "position", "university",
    };

    /// <summary>
    /// Snowball's English (Porter2) stem, irregular past forms first: "approval" meets "approve", "hires" "hire",
    /// "refrigerator" "refrigerate" — a question and a dictionary gloss seldom write a word in the same form. Measured
    /// against a stemmer of plural and verb endings only (2026-12-08, six public sets, both glossaries): hit@3 368 → 370,
    /// answered with the right section 210 → 217, answerable refused 8 → 6, unanswerable answered 38 → 38
    /// (docs/knowledge.md). The few words it would join to one of another meaning are kept whole (<see cref="Whole"/>).
    /// </summary>
    public static string Stem(string word)
    {
        word = Irregular.GetValueOrDefault(word, word);
        if (word.EndsWith("'s", StringComparison.Ordinal))
        {
            word = word[..^2];
        }

        // Words whose stem is another word's of another meaning, among the words HR questions and glosses use: kept whole.
        var singular = word.Length > 3 && word[^1] == 's' && Whole.Contains(word[..^1]) ? word[..^1] : word;
        if (Whole.Contains(singular))
        {
            return singular;
        }

        // Not thread-safe, and cheap to make: one per thread.
        var stemmer = _stemmer ??= new EnglishStemmer();
        stemmer.SetCurrent(word);
        stemmer.Stem();
        return stemmer.Current;
    }

    [GeneratedRegex(@"[A-Za-z][A-Za-z']*")]
    private static partial Regex Words();
}
