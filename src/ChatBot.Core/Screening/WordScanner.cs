namespace ChatBot.Core.Screening;

/// <summary>
/// Finds listed words in text that arrives in pieces, each character normalised and stepped through the
/// automaton once: a streamed answer costs what one scan of it costs. A whole-word Latin match at the end of what
/// has arrived is undecided until the next letter shows whether the word goes on ("ass" → "assistant").
/// </summary>
internal sealed class WordScanner(SensitiveWordList list)
{
    private readonly NormalizedText _text = new();
    private readonly List<(int First, int Last, SensitiveWord Word)> _undecided = [];
    private readonly List<SensitiveHit> _hits = [];
    private int _state;
    private int _scanned;

    public NormalizedText Text => _text;

    /// <summary>Decided hits, in the order they were decided.</summary>
    public IReadOnlyList<SensitiveHit> Hits => _hits;

    /// <summary>
    /// Where, in the original text, a match that is not yet decided could start (the text's length if none):
    /// everything before it is final.
    /// </summary>
    public int Pending { get; private set; }

    public void Append(ReadOnlySpan<char> piece)
    {
        _text.Append(piece);
        Scan(final: false);
    }

    /// <summary>No more text: what is undecided is decided as it stands.</summary>
    public void Complete()
    {
        _text.Complete();
        Scan(final: true);
    }

    private void Scan(bool final)
    {
        var automaton = list.Automaton;
        for (var i = _scanned; i < _text.Length; i++)
        {
            _state = automaton.Step(_state, _text[i]);
            foreach (var (pattern, length) in automaton.Matches(_state))
            {
                var word = list.Words[pattern];
                var first = i - length + 1;
                if (!word.WholeWord)
                {
                    _hits.Add(new SensitiveHit(_text.OriginalStart(first), _text.OriginalEnd(i), word.Category));
                }
                else if (!Attached(first - 1, first))
                {
                    _undecided.Add((first, i, word));
                }
            }
        }

        _scanned = _text.Length;
        Decide(final);
        var pending = _text.NormalizedUpTo;
        foreach (var (first, _, _) in _undecided)
        {
            pending = Math.Min(pending, _text.OriginalStart(first));
        }

        var depth = automaton.Depth(_state);
        if (depth > 0)
        {
            pending = Math.Min(pending, _text.OriginalStart(_text.Length - depth));
        }

        Pending = pending;
    }

    private void Decide(bool final)
    {
        var kept = 0;
        for (var k = 0; k < _undecided.Count; k++)
        {
            var candidate = _undecided[k];
            var (first, last, word) = candidate;
            bool? attached = last + 1 < _text.Length ? Attached(last, last + 1)
                : final || WhitespaceAfter(last) ? false
                : null;
            if (attached is null)
            {
                _undecided[kept++] = candidate;
            }
            else if (attached == false)
            {
                _hits.Add(new SensitiveHit(_text.OriginalStart(first), _text.OriginalEnd(last), word.Category));
            }
        }

        _undecided.RemoveRange(kept, _undecided.Count - kept);
    }

    /// <summary>
    /// Whether normalised characters <paramref name="left"/> and <paramref name="right"/> belong to one Latin word:
    /// both letters or digits with no whitespace between them in the original ("p.a.s.s" is one word, "you ass" two).
    /// </summary>
    private bool Attached(int left, int right)
    {
        if (left < 0 || right >= _text.Length || !char.IsAsciiLetterOrDigit(_text[left]) || !char.IsAsciiLetterOrDigit(_text[right]))
        {
            return false;
        }

        return !ContainsWhitespace(_text.Original[_text.OriginalEnd(left).._text.OriginalStart(right)]);
    }

    private bool WhitespaceAfter(int last) => ContainsWhitespace(_text.Original[_text.OriginalEnd(last)..]);

    private static bool ContainsWhitespace(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                return true;
            }
        }

        return false;
    }
}
