"""The portal's pages, one module per area. Each view: check access, bind a form,
call one service or selector, render or redirect."""
