"""What a notebook imports to show things: tables, figures, method text, publishing."""
