namespace K8sAgentPlatform.Parsing.Offline;

internal enum TokenKind : byte
{
    Word,
    /// <summary>-n, --namespace=qa: a kubectl flag, with its value when written with '='.</summary>
    Flag,
    Semicolon,
    AndAnd,
    Newline,
    Comma,
    /// <summary>The end of a sentence: '.', '!' or a run of them.</summary>
    Period,
    Question,
}

/// <summary>A span of the request's text; the text itself is only copied when a slot keeps it.</summary>
internal readonly record struct Token(int Start, int Length, TokenKind Kind)
{
    public int End => Start + Length;

    public bool IsSeparator => Kind > TokenKind.Flag;
}

/// <summary>
/// Splits a request into words, flags and separators. Punctuation ends a word only where nothing but more
/// punctuation follows it before a space, so "registry.k8s.io/web:1.2", "timeout.seconds" and "../etc" stay whole
/// while "qa." and "ready?" lose their punctuation. A quote opening a word or a value after '=' runs to its match.
/// </summary>
internal static class Tokenizer
{
    public static int Tokenize(string text, ref Token[] tokens)
    {
        var count = 0;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c is '\n' or '\r')
            {
                Add(ref tokens, ref count, new Token(i, 1, TokenKind.Newline));
                i++;
            }
            else if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == ';')
            {
                Add(ref tokens, ref count, new Token(i, 1, TokenKind.Semicolon));
                i++;
            }
            else if (c == '&' && i + 1 < text.Length && text[i + 1] == '&')
            {
                Add(ref tokens, ref count, new Token(i, 2, TokenKind.AndAnd));
                i += 2;
            }
            else if (IsPunctuation(c) && OnlyPunctuationFollows(text, i))
            {
                Add(ref tokens, ref count, new Token(i, 1, c switch
                {
                    ',' or ':' => TokenKind.Comma,
                    '?' => TokenKind.Question,
                    _ => TokenKind.Period,
                }));
                i++;
            }
            else
            {
                var start = i;
                i = WordEnd(text, i);
                var flag = text[start] == '-' && i - start > 1 && (text[start + 1] == '-' || char.IsAsciiLetter(text[start + 1]));
                Add(ref tokens, ref count, new Token(start, i - start, flag ? TokenKind.Flag : TokenKind.Word));
            }
        }

        return count;
    }

    private static int WordEnd(string text, int start)
    {
        var quote = '\0';
        var i = start;
        while (i < text.Length)
        {
            var c = text[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'' && (i == start || text[i - 1] == '=') && text.IndexOf(c, i + 1) > 0)
            {
                quote = c;
            }
            else if (char.IsWhiteSpace(c) || c == ';' || c == '&' && i + 1 < text.Length && text[i + 1] == '&')
            {
                break;
            }
            else if (i > start && IsPunctuation(c) && OnlyPunctuationFollows(text, i))
            {
                break;
            }

            i++;
        }

        return i;
    }

    private static bool IsPunctuation(char c) => c is '.' or ',' or '!' or '?' or ':';

    private static bool OnlyPunctuationFollows(string text, int i)
    {
        for (; i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] != ';'; i++)
        {
            if (!IsPunctuation(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static void Add(ref Token[] tokens, ref int count, Token token)
    {
        if (count == tokens.Length)
        {
            Array.Resize(ref tokens, tokens.Length * 2);
        }

        tokens[count++] = token;
    }
}
