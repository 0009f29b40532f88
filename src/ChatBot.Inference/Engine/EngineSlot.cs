using System.Text;
using LLama.Native;

namespace ChatBot.Inference.Engine;

/// <summary>One sequence of the context and the request it is serving.</summary>
internal sealed class EngineSlot(int sequence)
{
    private readonly Decoder _utf8 = Encoding.UTF8.GetDecoder();
    private readonly byte[] _piece = new byte[256];
    private readonly char[] _chars = new char[512];

    public int Sequence { get; } = sequence;

    public GenerationRequest? Request { get; set; }

    public SafeLLamaSamplerChainHandle? Sampler { get; set; }

    /// <summary>The next free position of this sequence.</summary>
    public int Position { get; set; }

    public int LastToken { get; private set; }

    public bool Generating { get; private set; }

    public int BatchIndex { get; set; } = -1;

    public int Advance { get; set; }

    /// <summary>When this slot's request was admitted, as a count of admissions: prompts are evaluated in this order.</summary>
    public long Admitted { get; private set; }

    public void Start(GenerationRequest request, int cachedTokens, SafeLLamaSamplerChainHandle? sampler, long admitted)
    {
        Request = request;
        Admitted = admitted;
        Sampler = sampler;
        Position = cachedTokens;
        Generating = false;
        _utf8.Reset();
    }

    /// <summary>Writes the token's text; a multi-byte character split across tokens waits for its rest.</summary>
    public void Emit(LlamaModel model, int token)
    {
        var request = Request!;
        request.GeneratedTokens++;
        LastToken = token;
        Generating = true;
        var length = model.Piece(token, _piece);
        var count = _utf8.GetChars(_piece, 0, length, _chars, 0, flush: false);
        if (count > 0)
        {
            request.Writer.TryWrite(new string(_chars, 0, count));
        }
    }

    public void Flush()
    {
        var count = _utf8.GetChars([], 0, 0, _chars, 0, flush: true);
        if (count > 0)
        {
            Request?.Writer.TryWrite(new string(_chars, 0, count));
        }
    }
}
