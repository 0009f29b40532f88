namespace ChatBot.Core.Screening;

/// <summary>
/// Aho-Corasick over normalised characters: every entry found in one pass, whatever the list's size.
/// Nodes are stored in flat arrays; transitions in one dictionary keyed by (node, char).
/// </summary>
internal sealed class AhoCorasick
{
    private readonly Dictionary<long, int> _next;
    private readonly int[] _fail;
    private readonly int[] _output;
    private readonly int[] _outputLink;
    private readonly int[] _depth;

    public AhoCorasick(IReadOnlyList<string> patterns)
    {
        var next = new Dictionary<long, int>();
        var depth = new List<int> { 0 };
        var output = new List<int> { -1 };
        for (var p = 0; p < patterns.Count; p++)
        {
            var node = 0;
            foreach (var c in patterns[p])
            {
                if (!next.TryGetValue(Key(node, c), out var child))
                {
                    child = depth.Count;
                    depth.Add(depth[node] + 1);
                    output.Add(-1);
                    next[Key(node, c)] = child;
                }

                node = child;
            }

            if (output[node] < 0)
            {
                output[node] = p;
            }
        }

        var count = depth.Count;
        var fail = new int[count];
        var outputLink = new int[count];
        Array.Fill(outputLink, -1);
        var children = new List<(int Child, char C)>[count];
        foreach (var (key, child) in next)
        {
            var parent = (int)(key >> 16);
            (children[parent] ??= []).Add((child, (char)(key & 0xFFFF)));
        }

        var queue = new Queue<int>();
        foreach (var (child, _) in children[0] ?? [])
        {
            queue.Enqueue(child);
        }

        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            foreach (var (child, c) in children[node] ?? [])
            {
                var f = fail[node];
                while (f > 0 && !next.ContainsKey(Key(f, c)))
                {
                    f = fail[f];
                }

                fail[child] = next.TryGetValue(Key(f, c), out var target) && target != child ? target : 0;
                outputLink[child] = output[fail[child]] >= 0 ? fail[child] : outputLink[fail[child]];
                queue.Enqueue(child);
            }
        }

        _next = next;
        _fail = fail;
        _output = [.. output];
        _outputLink = outputLink;
        _depth = [.. depth];
    }

    public int Step(int state, char c)
    {
        while (true)
        {
            if (_next.TryGetValue(Key(state, c), out var target))
            {
                return target;
            }

            if (state == 0)
            {
                return 0;
            }

            state = _fail[state];
        }
    }

    /// <summary>How many characters of a possible match the state stands for.</summary>
    public int Depth(int state) => _depth[state];

    /// <summary>Every pattern that ends in this state, longest first: (pattern index, length).</summary>
    public IEnumerable<(int Pattern, int Length)> Matches(int state)
    {
        for (var s = _output[state] >= 0 ? state : _outputLink[state]; s > 0; s = _outputLink[s])
        {
            yield return (_output[s], _depth[s]);
        }
    }

    private static long Key(int node, char c) => ((long)node << 16) | c;
}
