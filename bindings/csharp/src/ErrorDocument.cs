using System;
using System.Globalization;
using System.Text;

namespace OpenConnectors
{
    // Reads kind, message and status out of the library's error document,
    // {"error": {"kind": "...", "message": "...", "status": 404, ...}}, with a minimal scanner
    // instead of a JSON dependency. Other members and nested values are skipped whole, so text
    // inside them can never be mistaken for these three. A malformed document yields whatever
    // was read before the fault.
    internal sealed class ErrorDocument
    {
        private const int MaxDepth = 64;

        private readonly string text;
        private int pos;

        private ErrorDocument(string text)
        {
            this.text = text;
        }

        internal string Kind { get; private set; }

        internal string Message { get; private set; }

        internal int? HttpStatus { get; private set; }

        internal static ErrorDocument Scan(string json)
        {
            var document = new ErrorDocument(json ?? string.Empty);
            try
            {
                document.ScanRoot();
            }
            catch (FormatException)
            {
                // Keep the members read so far.
            }

            return document;
        }

        private void ScanRoot()
        {
            Expect('{');
            if (TryConsume('}'))
            {
                return;
            }

            do
            {
                string key = ReadString();
                Expect(':');
                if (key == "error" && Peek() == '{')
                {
                    ScanError();
                }
                else
                {
                    SkipValue(1);
                }
            }
            while (TryConsume(','));
        }

        private void ScanError()
        {
            Expect('{');
            if (TryConsume('}'))
            {
                return;
            }

            do
            {
                string key = ReadString();
                Expect(':');
                char next = Peek();
                if (key == "kind" && next == '"')
                {
                    Kind = ReadString();
                }
                else if (key == "message" && next == '"')
                {
                    Message = ReadString();
                }
                else if (key == "status" && (next == '-' || (next >= '0' && next <= '9')))
                {
                    int status;
                    if (int.TryParse(ReadScalar(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out status))
                    {
                        HttpStatus = status;
                    }
                }
                else
                {
                    SkipValue(2);
                }
            }
            while (TryConsume(','));
            Expect('}');
        }

        private void SkipValue(int depth)
        {
            if (depth > MaxDepth)
            {
                throw new FormatException();
            }

            char c = Peek();
            if (c == '"')
            {
                ReadString();
            }
            else if (c == '{' || c == '[')
            {
                char close = c == '{' ? '}' : ']';
                pos++;
                if (TryConsume(close))
                {
                    return;
                }

                do
                {
                    if (c == '{')
                    {
                        ReadString();
                        Expect(':');
                    }

                    SkipValue(depth + 1);
                }
                while (TryConsume(','));
                Expect(close);
            }
            else
            {
                ReadScalar();
            }
        }

        // A number, true, false or null: the run of characters up to the next delimiter.
        private string ReadScalar()
        {
            SkipWhitespace();
            int start = pos;
            while (pos < text.Length && "-+.0123456789eEtruefalsn".IndexOf(text[pos]) >= 0)
            {
                pos++;
            }

            if (pos == start)
            {
                throw new FormatException();
            }

            return text.Substring(start, pos - start);
        }

        private string ReadString()
        {
            Expect('"');
            var result = new StringBuilder();
            while (true)
            {
                char c = Next();
                if (c == '"')
                {
                    return result.ToString();
                }

                if (c != '\\')
                {
                    result.Append(c);
                    continue;
                }

                char escape = Next();
                switch (escape)
                {
                    case '"': result.Append('"'); break;
                    case '\\': result.Append('\\'); break;
                    case '/': result.Append('/'); break;
                    case 'b': result.Append('\b'); break;
                    case 'f': result.Append('\f'); break;
                    case 'n': result.Append('\n'); break;
                    case 'r': result.Append('\r'); break;
                    case 't': result.Append('\t'); break;
                    case 'u':
                        if (pos + 4 > text.Length)
                        {
                            throw new FormatException();
                        }

                        int code;
                        if (!int.TryParse(text.Substring(pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out code))
                        {
                            throw new FormatException();
                        }

                        // Surrogate pairs arrive as two escapes and recombine in the builder.
                        result.Append((char)code);
                        pos += 4;
                        break;
                    default:
                        throw new FormatException();
                }
            }
        }

        private void Expect(char expected)
        {
            SkipWhitespace();
            if (Next() != expected)
            {
                throw new FormatException();
            }
        }

        private bool TryConsume(char expected)
        {
            SkipWhitespace();
            if (pos < text.Length && text[pos] == expected)
            {
                pos++;
                return true;
            }

            return false;
        }

        private char Peek()
        {
            SkipWhitespace();
            if (pos >= text.Length)
            {
                throw new FormatException();
            }

            return text[pos];
        }

        private char Next()
        {
            if (pos >= text.Length)
            {
                throw new FormatException();
            }

            return text[pos++];
        }

        private void SkipWhitespace()
        {
            while (pos < text.Length && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r'))
            {
                pos++;
            }
        }
    }
}
