using System.Buffers;

namespace K8sAgentPlatform.Parsing.Offline;

/// <summary>
/// A request's tokens with what the lexicon knows of each and the slot each filled. The arrays come from the shared
/// pool and go back on <see cref="Dispose"/>, so a parse allocates only what it returns.
/// </summary>
internal sealed class TokenStream : IDisposable
{
    private Token[] tokens;
    private Offline.Lex[] lexes;
    private Slot[] slots;

    public TokenStream(string text)
    {
        Text = text;
        tokens = ArrayPool<Token>.Shared.Rent(Math.Max(16, text.Length / 3));
        Count = Tokenizer.Tokenize(text, ref tokens);
        lexes = ArrayPool<Offline.Lex>.Shared.Rent(Count);
        slots = ArrayPool<Slot>.Shared.Rent(Count);
        for (var i = 0; i < Count; i++)
        {
            lexes[i] = tokens[i].Kind == TokenKind.Word ? Lexicon.Find(text.AsSpan(tokens[i].Start, tokens[i].Length)) : Offline.Lex.Unknown;
            slots[i] = tokens[i].IsSeparator ? Slot.Separator : Slot.Unread;
        }
    }

    public string Text { get; }

    public int Count { get; }

    public Token this[int i] => tokens[i];

    public Lex Lex(int i) => lexes[i];

    public Slot SlotOf(int i) => slots[i];

    public void Mark(int from, int count, Slot slot)
    {
        for (var i = from; i < from + count; i++)
        {
            slots[i] = slot;
        }
    }

    public ReadOnlySpan<char> Chars(int i) => Text.AsSpan(tokens[i].Start, tokens[i].Length);

    public Span SpanOf(int i) => new(tokens[i].Start, tokens[i].Length);

    public bool IsWord(int i, Word word) => tokens[i].Kind == TokenKind.Word && lexes[i].Word == word;

    public bool Is(int i, string text) => tokens[i].Kind == TokenKind.Word && Chars(i).Equals(text, StringComparison.OrdinalIgnoreCase);

    /// <summary>The request's text from the start of one token to the end of another.</summary>
    public string Between(int first, int last) => Text[tokens[first].Start..tokens[last].End];

    public void Dispose()
    {
        ArrayPool<Token>.Shared.Return(tokens);
        ArrayPool<Offline.Lex>.Shared.Return(lexes);
        ArrayPool<Slot>.Shared.Return(slots);
        tokens = [];
        lexes = [];
        slots = [];
    }
}
